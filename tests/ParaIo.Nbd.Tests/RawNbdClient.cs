using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace ParaIo.Nbd.Tests;

/// <summary>One option reply as it came off the wire.</summary>
internal sealed record OptionReply(ulong Magic, uint Option, uint Type, byte[] Data)
{
    public string Message => Encoding.UTF8.GetString(Data);
}

/// <summary>One simple reply as it came off the wire.</summary>
internal sealed record SimpleReply(uint Magic, uint Error, ulong Cookie, byte[] Data);

/// <summary>
/// A hand-rolled NBD client that sends exactly the frames a test writes, valid or not, and
/// reads the server's answers byte for byte. Every read gives up after <see cref="Timeout"/>.
/// </summary>
internal sealed class RawNbdClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawNbdClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>The export size from the handshake that entered transmission.</summary>
    public long ExportSize { get; private set; }

    /// <summary>The transmission flags from the handshake that entered transmission.</summary>
    public ushort TransmissionFlags { get; private set; }

    public static async Task<RawNbdClient> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var deadline = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
        return new RawNbdClient(socket);
    }

    /// <summary>Reads the greeting, checks its magic numbers and returns the handshake flags.</summary>
    public async Task<ushort> ReadGreetingAsync()
    {
        var greeting = await ReadExactlyAsync(18);
        if (BinaryPrimitives.ReadUInt64BigEndian(greeting) != Wire.NbdMagic || BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)) != Wire.IHaveOpt)
        {
            throw new InvalidDataException("The greeting does not start NBDMAGIC IHAVEOPT.");
        }

        return BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(16));
    }

    /// <summary>Greeting plus client flags: the client is then haggling options.</summary>
    public static async Task<RawNbdClient> StartHagglingAsync(string socketPath, uint clientFlags = Wire.FixedNewstyle | Wire.NoZeroes)
    {
        var client = await ConnectAsync(socketPath);
        await client.ReadGreetingAsync();
        await client.SendUInt32Async(clientFlags);
        return client;
    }

    /// <summary>Haggles NBD_OPT_GO for the default export and enters transmission.</summary>
    public static async Task<RawNbdClient> OpenAsync(string socketPath, string exportName = "")
    {
        var client = await StartHagglingAsync(socketPath);
        await client.SendOptionAsync(Wire.OptGo, GoData(exportName, Wire.InfoBlockSize));
        while (true)
        {
            var reply = await client.ReadOptionReplyAsync();
            if (reply.Type == Wire.RepInfo && BinaryPrimitives.ReadUInt16BigEndian(reply.Data) == Wire.InfoExport)
            {
                client.ExportSize = (long)BinaryPrimitives.ReadUInt64BigEndian(reply.Data.AsSpan(2));
                client.TransmissionFlags = BinaryPrimitives.ReadUInt16BigEndian(reply.Data.AsSpan(10));
            }
            else if (reply.Type == Wire.RepAck)
            {
                return client;
            }
            else if (reply.Type != Wire.RepInfo)
            {
                throw new InvalidDataException($"NBD_OPT_GO failed with reply type 0x{reply.Type:x8}: {reply.Message}");
            }
        }
    }

    /// <summary>The data of NBD_OPT_INFO / NBD_OPT_GO: name length, name, request count, requests.</summary>
    public static byte[] GoData(string exportName, params ushort[] informationRequests)
    {
        var name = Encoding.UTF8.GetBytes(exportName);
        var data = new byte[4 + name.Length + 2 + (2 * informationRequests.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)name.Length);
        name.CopyTo(data, 4);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(4 + name.Length), (ushort)informationRequests.Length);
        for (var i = 0; i < informationRequests.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(6 + name.Length + (2 * i)), informationRequests[i]);
        }

        return data;
    }

    public Task SendUInt32Async(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return SendRawAsync(bytes);
    }

    public Task SendOptionAsync(uint option, byte[]? data = null, ulong magic = Wire.IHaveOpt)
    {
        data ??= [];
        var frame = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(frame, magic);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(12), (uint)data.Length);
        data.CopyTo(frame, 16);
        return SendRawAsync(frame);
    }

    public async Task<OptionReply> ReadOptionReplyAsync()
    {
        var header = await ReadExactlyAsync(20);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        if (length > 1 << 20)
        {
            throw new InvalidDataException($"An option reply of {length} bytes.");
        }

        return new OptionReply(
            BinaryPrimitives.ReadUInt64BigEndian(header),
            BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)),
            BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)),
            await ReadExactlyAsync((int)length));
    }

    /// <summary>A transmission request frame, with its payload appended.</summary>
    public static byte[] Request(ushort type, ulong cookie, ulong offset, uint length, ushort flags = 0, byte[]? payload = null, uint magic = Wire.RequestMagic)
    {
        payload ??= [];
        var frame = new byte[28 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, magic);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(24), length);
        payload.CopyTo(frame, 28);
        return frame;
    }

    public Task SendRequestAsync(ushort type, ulong cookie, ulong offset, uint length, ushort flags = 0, byte[]? payload = null) =>
        SendRawAsync(Request(type, cookie, offset, length, flags, payload));

    /// <summary>Reads a simple reply; <paramref name="dataLength"/> bytes of data follow it only if it succeeded.</summary>
    public async Task<SimpleReply> ReadReplyAsync(int dataLength = 0)
    {
        var header = await ReadExactlyAsync(16);
        var error = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        var data = error == 0 && dataLength > 0 ? await ReadExactlyAsync(dataLength) : [];
        return new SimpleReply(BinaryPrimitives.ReadUInt32BigEndian(header), error, BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8)), data);
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> and checks the reply.</summary>
    public async Task WriteAsync(ulong offset, byte[] data, ulong cookie = 1, ushort flags = 0)
    {
        await SendRequestAsync(Wire.CmdWrite, cookie, offset, (uint)data.Length, flags, data);
        var reply = await ReadReplyAsync();
        if (reply.Error != 0 || reply.Cookie != cookie)
        {
            throw new InvalidDataException($"The write failed: error {reply.Error}, cookie {reply.Cookie}.");
        }
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> and checks the reply.</summary>
    public async Task<byte[]> ReadAsync(ulong offset, int length, ulong cookie = 1)
    {
        await SendRequestAsync(Wire.CmdRead, cookie, offset, (uint)length);
        var reply = await ReadReplyAsync(length);
        if (reply.Error != 0 || reply.Cookie != cookie || reply.Magic != Wire.SimpleReplyMagic)
        {
            throw new InvalidDataException($"The read failed: error {reply.Error}, cookie {reply.Cookie}.");
        }

        return reply.Data;
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(bytes, deadline.Token);
    }

    /// <summary>Bytes the server has sent that are not read yet.</summary>
    public int Available => _socket.Available;

    /// <summary>Closes the sending direction, as a client that dies mid-frame does.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public async Task<byte[]> ReadExactlyAsync(int length)
    {
        var buffer = new byte[length];
        using var deadline = new CancellationTokenSource(Timeout);
        await _stream.ReadExactlyAsync(buffer, deadline.Token);
        return buffer;
    }

    /// <summary>True when the server closes the connection (end of stream) within the timeout; bytes before the close are skipped.</summary>
    public async Task<bool> WasClosedByServerAsync()
    {
        using var deadline = new CancellationTokenSource(Timeout);
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, deadline.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            // A reset is a close too.
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
