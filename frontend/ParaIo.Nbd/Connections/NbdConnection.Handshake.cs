using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Nbd.Connections;

/// <summary>The fixed newstyle handshake: greeting, client flags, then option haggling.</summary>
internal sealed partial class NbdConnection
{
    /// <summary>
    /// The longest option data accepted. The largest legitimate option here is NBD_OPT_GO with a
    /// 4096-byte name and a short list of information requests.
    /// </summary>
    private const int MaxOptionDataLength = 16 * 1024;

    /// <summary>A client that haggles longer than this without choosing an export is wasting the server's time.</summary>
    private const int MaxOptionsPerConnection = 1024;

    private enum HandshakeStep
    {
        Continue,
        EnterTransmission,
        Close,
    }

    /// <summary>Runs the handshake; true when the client entered transmission.</summary>
    private async Task<bool> NegotiateAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            return await NegotiateAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            NbdLog.HandshakeEnded(_logger, Id, $"no export chosen within {_options.HandshakeTimeout.TotalSeconds} s");
            return false;
        }
    }

    private async Task<bool> NegotiateAsync(CancellationToken cancellationToken)
    {
        WriteGreeting();
        await _output.FlushAsync(cancellationToken);

        var clientFlagsBytes = new byte[NbdWire.ClientFlagsLength];
        if (!await ReadHandshakeAsync(clientFlagsBytes, "client flags", cancellationToken))
        {
            return false;
        }

        var clientFlags = BinaryPrimitives.ReadUInt32BigEndian(clientFlagsBytes);
        if ((clientFlags & ~(NbdWire.ClientFixedNewstyle | NbdWire.ClientNoZeroes)) != 0)
        {
            // The protocol requires dropping a client that sets a flag the server did not offer.
            return Violation($"unknown client flags 0x{clientFlags:x8}");
        }

        var noZeroes = (clientFlags & NbdWire.ClientNoZeroes) != 0;
        var header = new byte[NbdWire.OptionHeaderLength];
        for (var count = 0; count < MaxOptionsPerConnection; count++)
        {
            if (!await ReadHandshakeAsync(header, "an option header", cancellationToken))
            {
                return false;
            }

            var magic = BinaryPrimitives.ReadUInt64BigEndian(header);
            var option = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
            var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            if (magic != NbdWire.OptionMagic)
            {
                return Violation($"option magic 0x{magic:x16} is not IHAVEOPT");
            }

            if (length > MaxOptionDataLength)
            {
                return Violation($"option {(uint)option} carries {length} bytes, more than the {MaxOptionDataLength} accepted");
            }

            var data = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                if (!await ReadHandshakeAsync(data.AsMemory(0, (int)length), "option data", cancellationToken))
                {
                    return false;
                }

                var step = Answer(option, data.AsSpan(0, (int)length), noZeroes);
                await _output.FlushAsync(cancellationToken);
                if (step != HandshakeStep.Continue)
                {
                    if (step == HandshakeStep.EnterTransmission)
                    {
                        NbdLog.Transmission(_logger, Id, _options.ExportName, _export.Flags.ToString());
                    }

                    return step == HandshakeStep.EnterTransmission;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(data);
            }
        }

        return Violation($"{MaxOptionsPerConnection} options without choosing an export");
    }

    private async ValueTask<bool> ReadHandshakeAsync(Memory<byte> destination, string what, CancellationToken cancellationToken)
    {
        switch (await FillAsync(destination, cancellationToken))
        {
            case ReadOutcome.Complete:
                return true;
            case ReadOutcome.Stopped:
                NbdLog.HandshakeEnded(_logger, Id, "the server is stopping");
                return false;
            case ReadOutcome.EndOfStream:
                NbdLog.HandshakeEnded(_logger, Id, $"the client closed the connection before {what}");
                return false;
            default:
                return Violation($"the connection closed part-way through {what}");
        }
    }

    private bool Violation(string reason)
    {
        _statistics.ProtocolViolation();
        NbdLog.ProtocolViolation(_logger, Id, reason);
        return false;
    }

    private HandshakeStep Answer(NbdOption option, ReadOnlySpan<byte> data, bool noZeroes)
    {
        switch (option)
        {
            case NbdOption.ExportName:
                return AnswerExportName(data, noZeroes);

            case NbdOption.Abort:
                // The client will drop the connection; the acknowledgement is a courtesy it may not read.
                WriteOptionReply(option, NbdOptionReply.Ack, ReadOnlySpan<byte>.Empty);
                NbdLog.HandshakeEnded(_logger, Id, "the client sent NBD_OPT_ABORT");
                return HandshakeStep.Close;

            case NbdOption.List:
                if (!data.IsEmpty)
                {
                    WriteOptionError(option, NbdOptionReply.ErrorInvalid, "NBD_OPT_LIST takes no data");
                    return HandshakeStep.Continue;
                }

                WriteServerReply();
                WriteOptionReply(option, NbdOptionReply.Ack, ReadOnlySpan<byte>.Empty);
                return HandshakeStep.Continue;

            case NbdOption.Info:
            case NbdOption.Go:
                return AnswerInfoOrGo(option, data);

            case NbdOption.StructuredReply:
                WriteOptionError(option, NbdOptionReply.ErrorUnsupported, "this server sends simple replies only");
                return HandshakeStep.Continue;

            case NbdOption.StartTls:
                WriteOptionError(option, NbdOptionReply.ErrorUnsupported, "TLS is not offered; the export is local to the guest");
                return HandshakeStep.Continue;

            default:
                WriteOptionError(option, NbdOptionReply.ErrorUnsupported, $"option {(uint)option} is not supported");
                return HandshakeStep.Continue;
        }
    }

    private HandshakeStep AnswerExportName(ReadOnlySpan<byte> name, bool noZeroes)
    {
        if (!_export.IsNamed(name))
        {
            // NBD_OPT_EXPORT_NAME has no error reply: the protocol's only answer is to hang up.
            NbdLog.HandshakeEnded(_logger, Id, $"NBD_OPT_EXPORT_NAME asked for the unknown export '{Encoding.UTF8.GetString(name)}'");
            return HandshakeStep.Close;
        }

        var length = NbdWire.ExportNameReplyLength + (noZeroes ? 0 : NbdWire.ExportNameZeroPadding);
        var span = _output.GetSpan(length)[..length];
        BinaryPrimitives.WriteUInt64BigEndian(span, (ulong)_export.Size);
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)_export.Flags);
        span[NbdWire.ExportNameReplyLength..].Clear();
        _output.Advance(length);
        return HandshakeStep.EnterTransmission;
    }

    private HandshakeStep AnswerInfoOrGo(NbdOption option, ReadOnlySpan<byte> data)
    {
        // u32 name length, name, u16 count, count x u16 information requests.
        if (data.Length < 6)
        {
            WriteOptionError(option, NbdOptionReply.ErrorInvalid, "the option is shorter than its fixed fields");
            return HandshakeStep.Continue;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > NbdWire.MaxStringLength || nameLength > (uint)(data.Length - 6))
        {
            WriteOptionError(option, NbdOptionReply.ErrorInvalid, "the export name overruns the option");
            return HandshakeStep.Continue;
        }

        var name = data.Slice(4, (int)nameLength);
        var requestCount = BinaryPrimitives.ReadUInt16BigEndian(data[(4 + (int)nameLength)..]);
        var requests = data[(6 + (int)nameLength)..];
        if (requests.Length != requestCount * 2)
        {
            WriteOptionError(option, NbdOptionReply.ErrorInvalid, "the information request list does not match its count");
            return HandshakeStep.Continue;
        }

        if (!_export.IsNamed(name))
        {
            WriteOptionError(option, NbdOptionReply.ErrorUnknownExport, $"there is no export named '{Encoding.UTF8.GetString(name)}'");
            return HandshakeStep.Continue;
        }

        var wantsName = false;
        var wantsDescription = false;
        for (var i = 0; i < requestCount; i++)
        {
            switch ((NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(requests[(2 * i)..]))
            {
                case NbdInfoType.Name:
                    wantsName = true;
                    break;
                case NbdInfoType.Description:
                    wantsDescription = true;
                    break;
            }
        }

        // NBD_INFO_EXPORT is mandatory. Block sizes go out whether asked or not: a client that did
        // not ask may ignore them, and the server then answers misaligned requests with EINVAL,
        // which the protocol allows for a server with a minimum block size above 1.
        Span<byte> info = stackalloc byte[NbdWire.InfoBlockSizeLength];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)NbdInfoType.Export);
        BinaryPrimitives.WriteUInt64BigEndian(info[2..], (ulong)_export.Size);
        BinaryPrimitives.WriteUInt16BigEndian(info[10..], (ushort)_export.Flags);
        WriteOptionReply(option, NbdOptionReply.Info, info[..NbdWire.InfoExportLength]);

        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)NbdInfoType.BlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(info[2..], (uint)_export.BlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(info[6..], (uint)_export.PreferredBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(info[10..], (uint)_export.MaxPayloadLength);
        WriteOptionReply(option, NbdOptionReply.Info, info[..NbdWire.InfoBlockSizeLength]);

        if (wantsName)
        {
            WriteInfoString(option, NbdInfoType.Name, _export.Name);
        }

        if (wantsDescription && _export.Description is not null)
        {
            WriteInfoString(option, NbdInfoType.Description, _export.Description);
        }

        WriteOptionReply(option, NbdOptionReply.Ack, ReadOnlySpan<byte>.Empty);
        return option == NbdOption.Go ? HandshakeStep.EnterTransmission : HandshakeStep.Continue;
    }

    private void WriteGreeting()
    {
        var span = _output.GetSpan(NbdWire.GreetingLength);
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdWire.InitMagic);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], NbdWire.OptionMagic);
        BinaryPrimitives.WriteUInt16BigEndian(span[16..], NbdWire.HandshakeFixedNewstyle | NbdWire.HandshakeNoZeroes);
        _output.Advance(NbdWire.GreetingLength);
    }

    /// <summary>NBD_REP_SERVER: u32 name length, name, then the description as free text.</summary>
    private void WriteServerReply()
    {
        var description = _export.Description ?? [];
        var length = 4 + _export.Name.Length + description.Length;
        WriteOptionReplyHeader(NbdOption.List, NbdOptionReply.Server, length);
        var span = _output.GetSpan(length)[..length];
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)_export.Name.Length);
        _export.Name.CopyTo(span[4..]);
        description.CopyTo(span[(4 + _export.Name.Length)..]);
        _output.Advance(length);
    }

    private void WriteInfoString(NbdOption option, NbdInfoType type, byte[] value)
    {
        WriteOptionReplyHeader(option, NbdOptionReply.Info, 2 + value.Length);
        var span = _output.GetSpan(2 + value.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)type);
        value.CopyTo(span[2..]);
        _output.Advance(2 + value.Length);
    }

    private void WriteOptionError(NbdOption option, NbdOptionReply error, string message)
    {
        // Error replies may carry a message for the user; clients such as nbdinfo print it.
        var bytes = Encoding.UTF8.GetBytes(message);
        WriteOptionReply(option, error, bytes);
    }

    private void WriteOptionReply(NbdOption option, NbdOptionReply type, ReadOnlySpan<byte> data)
    {
        WriteOptionReplyHeader(option, type, data.Length);
        _output.Write(data);
    }

    private void WriteOptionReplyHeader(NbdOption option, NbdOptionReply type, int dataLength)
    {
        var span = _output.GetSpan(NbdWire.OptionReplyHeaderLength);
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdWire.OptionReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)option);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)dataLength);
        _output.Advance(NbdWire.OptionReplyHeaderLength);
    }
}
