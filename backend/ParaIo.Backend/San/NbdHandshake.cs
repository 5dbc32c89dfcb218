using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Backend.San;

/// <summary>
/// The client's half of the fixed-newstyle handshake: NBD_OPT_GO asking for NBD_INFO_BLOCK_SIZE,
/// or NBD_OPT_EXPORT_NAME when the server does not know GO. Structured replies are never asked
/// for, so every reply in transmission is a simple reply.
/// </summary>
internal static class NbdHandshake
{
    /// <summary>Replies to one option before the server is taken to be looping.</summary>
    private const int MaxRepliesPerOption = 256;

    /// <summary>Option reply data longer than this is a broken server, not a long description.</summary>
    private const int MaxOptionReplyLength = 64 << 10;

    public static async Task<NbdExport> RunAsync(Socket socket, NbdEndpoint endpoint, int payloadCap, CancellationToken cancellationToken)
    {
        var buffer = new byte[NbdWire.OptionReplyHeaderLength + NbdWire.ExportNameZeroPadding + NbdWire.ExportNameReplyLength];
        await ReceiveExactlyAsync(socket, buffer.AsMemory(0, NbdWire.GreetingLength), "the greeting", cancellationToken).ConfigureAwait(false);
        var magic = BinaryPrimitives.ReadUInt64BigEndian(buffer);
        if (magic != NbdWire.InitMagic)
        {
            throw Violation(endpoint, $"its greeting starts 0x{magic:x16}, not NBDMAGIC: it is not an NBD server");
        }

        var style = BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(8));
        if (style == NbdWire.OldstyleMagic)
        {
            throw new NbdConnectionException($"The NBD server at {endpoint} speaks the oldstyle handshake; ParaIo's client speaks fixed newstyle only.");
        }

        if (style != NbdWire.OptionMagic)
        {
            throw Violation(endpoint, $"its greeting's second word is 0x{style:x16}, neither IHAVEOPT nor the oldstyle magic");
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(16));
        if ((flags & NbdWire.HandshakeFixedNewstyle) == 0)
        {
            throw new NbdConnectionException($"The NBD server at {endpoint} does not speak fixed newstyle (handshake flags 0x{flags:x4}).");
        }

        var noZeroes = (flags & NbdWire.HandshakeNoZeroes) != 0;
        var clientFlags = NbdWire.ClientFixedNewstyle | (noZeroes ? NbdWire.ClientNoZeroes : 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, clientFlags);
        await SendAllAsync(socket, buffer.AsMemory(0, 4), cancellationToken).ConfigureAwait(false);

        var name = Encoding.UTF8.GetBytes(endpoint.ExportName);
        return await GoAsync(socket, endpoint, name, payloadCap, cancellationToken).ConfigureAwait(false)
            ?? await ExportNameAsync(socket, endpoint, name, noZeroes, payloadCap, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>NBD_OPT_GO; null when the server answers NBD_REP_ERR_UNSUP.</summary>
    private static async Task<NbdExport?> GoAsync(Socket socket, NbdEndpoint endpoint, byte[] name, int payloadCap, CancellationToken cancellationToken)
    {
        // Data: u32 name length, name, u16 number of info requests, u16 NBD_INFO_BLOCK_SIZE.
        var request = new byte[16 + 4 + name.Length + 2 + 2];
        BinaryPrimitives.WriteUInt64BigEndian(request, NbdWire.OptionMagic);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(8), (uint)NbdOption.Go);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(12), (uint)(request.Length - 16));
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(16), (uint)name.Length);
        name.CopyTo(request.AsSpan(20));
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(20 + name.Length), 1);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(22 + name.Length), (ushort)NbdInfoType.BlockSize);
        await SendAllAsync(socket, request, cancellationToken).ConfigureAwait(false);

        long size = -1;
        var transmission = NbdTransmissionFlags.None;
        int minimum = 0, preferred = 0;
        long maximum = 0;
        var header = new byte[NbdWire.OptionReplyHeaderLength];
        for (var replies = 0; replies < MaxRepliesPerOption; replies++)
        {
            await ReceiveExactlyAsync(socket, header, "an option reply", cancellationToken).ConfigureAwait(false);
            var magic = BinaryPrimitives.ReadUInt64BigEndian(header);
            var option = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
            var type = (NbdOptionReply)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
            if (magic != NbdWire.OptionReplyMagic)
            {
                throw Violation(endpoint, $"an option reply starts 0x{magic:x16}, not the option reply magic");
            }

            if (option != NbdOption.Go)
            {
                throw Violation(endpoint, $"it answered option {(uint)option} when NBD_OPT_GO was asked");
            }

            if (length > MaxOptionReplyLength)
            {
                throw Violation(endpoint, $"an option reply claims {length} bytes of data");
            }

            var data = new byte[length];
            await ReceiveExactlyAsync(socket, data, "an option reply's data", cancellationToken).ConfigureAwait(false);
            switch (type)
            {
                case NbdOptionReply.Ack:
                    if (size < 0)
                    {
                        throw Violation(endpoint, "it acknowledged NBD_OPT_GO without sending NBD_INFO_EXPORT");
                    }

                    var limits = BlockLimits(endpoint, minimum, preferred, maximum, payloadCap);
                    return new NbdExport(endpoint.ExportName, size, transmission, limits.Minimum, limits.Preferred, limits.MaxPayload, NegotiatedWithGo: true);
                case NbdOptionReply.Info when length >= 2:
                    var info = (NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(data);
                    if (info == NbdInfoType.Export)
                    {
                        if (length != 12)
                        {
                            throw Violation(endpoint, $"NBD_INFO_EXPORT has {length} bytes, not 12");
                        }

                        var raw = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(2));
                        size = raw > long.MaxValue ? throw Violation(endpoint, $"the export's size is {raw} bytes") : (long)raw;
                        transmission = Flags(BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(10)));
                    }
                    else if (info == NbdInfoType.BlockSize)
                    {
                        if (length != 14)
                        {
                            throw Violation(endpoint, $"NBD_INFO_BLOCK_SIZE has {length} bytes, not 14");
                        }

                        minimum = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(2)), int.MaxValue);
                        preferred = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(6)), int.MaxValue);
                        maximum = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(10));
                        if (minimum == 0)
                        {
                            throw Violation(endpoint, "its minimum block size is 0");
                        }
                    }

                    break; // other information is not asked for; ignore it
                case NbdOptionReply.Info:
                    throw Violation(endpoint, $"an NBD_REP_INFO has {length} bytes");
                case NbdOptionReply.ErrorUnsupported:
                    return null;
                case var refusal when ((uint)refusal & NbdWire.OptionReplyErrorBit) != 0:
                    throw new NbdConnectionException($"The NBD server at {endpoint} refused export '{endpoint.ExportName}': {Refusal(refusal)}{Message(data)}.");
                default:
                    break; // a reply type this client does not know and did not cause; the protocol says to ignore it
            }
        }

        throw Violation(endpoint, $"it sent more than {MaxRepliesPerOption} replies to NBD_OPT_GO");
    }

    /// <summary>The old way to choose an export: no block sizes, and an unknown name just closes the connection.</summary>
    private static async Task<NbdExport> ExportNameAsync(Socket socket, NbdEndpoint endpoint, byte[] name, bool noZeroes, int payloadCap, CancellationToken cancellationToken)
    {
        var request = new byte[16 + name.Length];
        BinaryPrimitives.WriteUInt64BigEndian(request, NbdWire.OptionMagic);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(8), (uint)NbdOption.ExportName);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(12), (uint)name.Length);
        name.CopyTo(request.AsSpan(16));
        await SendAllAsync(socket, request, cancellationToken).ConfigureAwait(false);

        var answer = new byte[NbdWire.ExportNameReplyLength + (noZeroes ? 0 : NbdWire.ExportNameZeroPadding)];
        try
        {
            await ReceiveExactlyAsync(socket, answer, "the answer to NBD_OPT_EXPORT_NAME", cancellationToken).ConfigureAwait(false);
        }
        catch (NbdConnectionException e)
        {
            throw new NbdConnectionException($"The NBD server at {endpoint} closed the connection after NBD_OPT_EXPORT_NAME: it has no export '{endpoint.ExportName}'.", e);
        }

        var raw = BinaryPrimitives.ReadUInt64BigEndian(answer);
        var size = raw > long.MaxValue ? throw Violation(endpoint, $"the export's size is {raw} bytes") : (long)raw;
        var limits = BlockLimits(endpoint, 0, 0, 0, payloadCap);
        return new NbdExport(endpoint.ExportName, size, Flags(BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(8))), limits.Minimum, limits.Preferred, limits.MaxPayload, NegotiatedWithGo: false);
    }

    private static NbdTransmissionFlags Flags(ushort raw) =>
        (raw & (ushort)NbdTransmissionFlags.HasFlags) != 0 ? (NbdTransmissionFlags)raw : NbdTransmissionFlags.None;

    /// <summary>The server's block sizes checked against the protocol's rules, or the protocol's defaults when it sent none.</summary>
    private static (int Minimum, int Preferred, int MaxPayload) BlockLimits(NbdEndpoint endpoint, int minimum, int preferred, long maximum, int payloadCap)
    {
        if (minimum == 0)
        {
            return (1, 4096, payloadCap);
        }

        if (!int.IsPow2(minimum) || minimum > 65536)
        {
            throw Violation(endpoint, $"its minimum block size {minimum} is not a power of two up to 64 KiB");
        }

        if (!int.IsPow2(preferred) || preferred < minimum)
        {
            throw Violation(endpoint, $"its preferred block size {preferred} is not a power of two of at least the minimum {minimum}");
        }

        if (maximum < minimum)
        {
            throw Violation(endpoint, $"its maximum payload {maximum} is below its minimum block size {minimum}");
        }

        // A payload cap that is a multiple of the minimum keeps split transfers aligned.
        var cap = Math.Min(maximum, payloadCap);
        cap -= cap % minimum;
        return (minimum, preferred, (int)cap);
    }

    private static string Refusal(NbdOptionReply type) => type switch
    {
        NbdOptionReply.ErrorUnknownExport => "no such export",
        NbdOptionReply.ErrorPolicy => "refused by policy",
        NbdOptionReply.ErrorInvalid => "the request was invalid",
        NbdOptionReply.ErrorTlsRequired => "it requires TLS",
        NbdOptionReply.ErrorShutdown => "it is shutting down",
        NbdOptionReply.ErrorBlockSizeRequired => "it requires block size negotiation",
        _ => $"error 0x{(uint)type:x8}",
    };

    private static string Message(byte[] data) => data.Length == 0 ? "" : $" ({Encoding.UTF8.GetString(data)})";

    private static NbdConnectionException Violation(NbdEndpoint endpoint, string what) =>
        new($"The NBD server at {endpoint} broke the protocol in the handshake: {what}.");

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, string what, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var got = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                throw new NbdConnectionException($"The NBD server closed the connection while the client waited for {what}.");
            }

            buffer = buffer[got..];
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var sent = await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            buffer = buffer[sent..];
        }
    }
}
