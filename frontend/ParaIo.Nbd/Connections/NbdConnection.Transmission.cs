using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Nbd.Connections;

/// <summary>
/// The transmission phase. One reader parses requests and hands each to a <see cref="RequestSlot"/>
/// whose worker runs it against the device; requests therefore run concurrently, up to the queue
/// depth. Finished slots queue for the single reply writer, which answers them in completion
/// order (the client matches replies by cookie) and gives the slots back to the reader.
/// </summary>
internal sealed partial class NbdConnection
{
    /// <summary>Replies are flushed when this much is buffered, so a burst of large reads streams out.</summary>
    private const int FlushThreshold = 256 * 1024;

    /// <summary>
    /// Requests in flight from which the reply writer lets others' replies gather before it sends:
    /// under a deep queue more replies are moments away, and one send for several saves a system
    /// call each (and the client's receive calls); at a shallow one the reply goes at once.
    /// </summary>
    private const int GatherDepth = 4;

    private readonly Channel<RequestSlot> _free;
    private readonly Channel<RequestSlot> _replies;
    private readonly PayloadBudget _budget;
    private readonly List<RequestSlot> _slots = [];
    private readonly List<Task> _workers = [];
    private volatile bool _outputFailed;
    private int _inFlight;

    /// <summary>Why the reader stopped reading requests.</summary>
    private enum TransmissionEnd
    {
        Disconnect,
        ClientClosed,
        ServerStopping,
        Truncated,
        BadMagic,
        OutputFailed,
    }

    private async Task TransmitAsync()
    {
        var writer = WriteRepliesAsync();
        TransmissionEnd end;
        string detail;
        try
        {
            (end, detail) = await ReadRequestsAsync();

            // Every slot comes home once its reply is written: then nothing is in flight.
            for (var i = 0; i < _slots.Count; i++)
            {
                await _free.Reader.ReadAsync(_abort.Token);
            }

            foreach (var slot in _slots)
            {
                slot.Retire();
            }

            await Task.WhenAll(_workers);
        }
        finally
        {
            // Also when aborted: the writer must be finished with the output pipe before the
            // connection completes it. Workers still inside the device find the channel closed.
            _replies.Writer.TryComplete();
            await writer;
        }

        switch (end)
        {
            case TransmissionEnd.Truncated:
            case TransmissionEnd.BadMagic:
                Violation(detail);
                break;
            default:
                NbdLog.Closed(_logger, Id, detail);
                break;
        }
    }

    private async Task<(TransmissionEnd End, string Detail)> ReadRequestsAsync()
    {
        while (true)
        {
            if (_stopRequested)
            {
                return _outputFailed
                    ? (TransmissionEnd.OutputFailed, "replies could not be sent")
                    : (TransmissionEnd.ServerStopping, "the server is stopping");
            }

            var result = await _input.ReadAsync(_abort.Token);
            var buffer = result.Buffer;
            if (buffer.Length < NbdWire.RequestHeaderLength)
            {
                if (result.IsCompleted)
                {
                    _input.AdvanceTo(buffer.End);
                    return buffer.IsEmpty
                        ? (TransmissionEnd.ClientClosed, "the client closed the connection without NBD_CMD_DISC")
                        : (TransmissionEnd.Truncated, $"the connection closed after {buffer.Length} bytes of a {NbdWire.RequestHeaderLength}-byte request header");
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            var header = RequestHeader.Read(buffer);
            _input.AdvanceTo(buffer.GetPosition(NbdWire.RequestHeaderLength));
            if (header.Magic != NbdWire.RequestMagic)
            {
                return (TransmissionEnd.BadMagic, $"request magic 0x{header.Magic:x8} is not 0x{NbdWire.RequestMagic:x8}");
            }

            if (header.Command == NbdCommand.Disconnect)
            {
                return (TransmissionEnd.Disconnect, "the client sent NBD_CMD_DISC");
            }

            var slot = await TakeSlotAsync();
            slot.Load(header);
            var outcome = await LoadPayloadAsync(slot);
            if (outcome != ReadOutcome.Complete)
            {
                GiveBack(slot);
                return outcome == ReadOutcome.Stopped
                    ? (TransmissionEnd.ServerStopping, "the server is stopping")
                    : (TransmissionEnd.Truncated, $"the connection closed inside the {header.Length}-byte payload of a write");
            }

            Interlocked.Increment(ref _inFlight);
            slot.Run();
        }
    }

    /// <summary>
    /// Gives the slot the buffer its command needs and, for a write, reads the payload into it. A
    /// write too long to accept is read and dropped, so the stream stays in step, and answered EINVAL.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOutcome> LoadPayloadAsync(RequestSlot slot)
    {
        var length = slot.Length;
        switch (slot.Command)
        {
            case NbdCommand.Read when length > 0 && length <= (uint)_export.MaxPayloadLength:
                await ReserveAsync(slot, (int)length);
                return ReadOutcome.Complete;

            case NbdCommand.Write when length > (uint)_export.MaxPayloadLength:
                slot.Error = NbdError.InvalidArgument;
                return await SkipAsync(length, _abort.Token);

            case NbdCommand.Write when length > 0:
                await ReserveAsync(slot, (int)length);
                return await FillAsync(slot.Buffer.AsMemory(0, (int)length), _abort.Token);

            default:
                return ReadOutcome.Complete;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReserveAsync(RequestSlot slot, int length)
    {
        await _budget.AcquireAsync(length, _abort.Token);
        slot.BudgetBytes = length;
        slot.Buffer = Rent(length);
    }

    /// <summary>A free slot, a new one while under the queue depth, or else the first one answered.</summary>
    private ValueTask<RequestSlot> TakeSlotAsync()
    {
        if (_free.Reader.TryRead(out var slot))
        {
            return ValueTask.FromResult(slot);
        }

        if (_slots.Count < _options.MaxInFlightPerConnection)
        {
            slot = new RequestSlot();
            _slots.Add(slot);
            _workers.Add(RunWorkerAsync(slot));
            return ValueTask.FromResult(slot);
        }

        return _free.Reader.ReadAsync(_abort.Token);
    }

    /// <summary>Returns a slot's buffer and budget and puts it back on the free list.</summary>
    private void GiveBack(RequestSlot slot)
    {
        if (slot.Buffer is { } buffer)
        {
            slot.Buffer = null;
            Return(buffer);
        }

        if (slot.BudgetBytes != 0)
        {
            _budget.Release(slot.BudgetBytes);
            slot.BudgetBytes = 0;
        }

        _free.Writer.TryWrite(slot);
    }

    private async Task RunWorkerAsync(RequestSlot slot)
    {
        while (await slot.NextAsync())
        {
            if (slot.Error == NbdError.None)
            {
                slot.Error = await ExecuteAsync(slot);
            }

            _replies.Writer.TryWrite(slot);
        }
    }

    private async Task WriteRepliesAsync()
    {
        var replies = _replies.Reader;
        while (await replies.WaitToReadAsync())
        {
            var unflushed = 0;
            while (replies.TryRead(out var slot))
            {
                unflushed += Answer(slot);
                if (unflushed >= FlushThreshold)
                {
                    await FlushRepliesAsync();
                    unflushed = 0;
                }
            }

            if (unflushed > 0 && Volatile.Read(ref _inFlight) >= GatherDepth)
            {
                // Off the worker's thread for a moment (it goes back to its device); replies
                // finished meanwhile join this send.
                await Task.Yield();
                while (replies.TryRead(out var slot))
                {
                    unflushed += Answer(slot);
                }
            }

            if (unflushed > 0)
            {
                await FlushRepliesAsync();
            }
        }
    }

    /// <summary>Writes a finished request's reply (unless the client is gone) and gives its slot back; returns the bytes written.</summary>
    private int Answer(RequestSlot slot)
    {
        var written = _outputFailed ? 0 : WriteReply(slot);
        _statistics.RequestAnswered(slot.Error != NbdError.None);
        GiveBack(slot);
        Interlocked.Decrement(ref _inFlight);
        return written;
    }

    /// <summary>Writes one simple reply into the output pipe; returns the bytes written.</summary>
    private int WriteReply(RequestSlot slot)
    {
        var span = _output.GetSpan(NbdWire.SimpleReplyHeaderLength);
        BinaryPrimitives.WriteUInt32BigEndian(span, NbdWire.SimpleReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)slot.Error);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], slot.Cookie);
        _output.Advance(NbdWire.SimpleReplyHeaderLength);

        // A simple reply carries data only for a read that succeeded; a failed read has none.
        if (slot.Command != NbdCommand.Read || slot.Error != NbdError.None || slot.Length == 0)
        {
            return NbdWire.SimpleReplyHeaderLength;
        }

        _output.Write(slot.Buffer.AsSpan(0, (int)slot.Length));
        return NbdWire.SimpleReplyHeaderLength + (int)slot.Length;
    }

    private async ValueTask FlushRepliesAsync()
    {
        try
        {
            await _output.FlushAsync(_abort.Token);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone. Keep taking replies so slots come home, but stop reading requests.
            _outputFailed = true;
            RequestStop();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NbdError> ExecuteAsync(RequestSlot slot)
    {
        var error = Check(slot);
        if (error != NbdError.None)
        {
            return error;
        }

        var device = _export.Device;
        var token = _abort.Token;
        var offset = (long)slot.Offset;
        var length = (int)slot.Length;
        var forceUnitAccess = (slot.Flags & NbdCommandFlags.ForceUnitAccess) != 0;
        try
        {
            switch (slot.Command)
            {
                case NbdCommand.Read when length > 0:
                    await device.ReadAsync(offset, slot.Buffer.AsMemory(0, length), token);
                    break;

                case NbdCommand.Write when length > 0:
                    await device.WriteAsync(offset, slot.Buffer.AsMemory(0, length), forceUnitAccess, token);
                    break;

                case NbdCommand.Flush:
                    await device.FlushAsync(token);
                    break;

                case NbdCommand.Trim:
                    await TrimAsync(device, offset, slot.Length, forceUnitAccess, token);
                    break;

                case NbdCommand.WriteZeroes when length > 0:
                    await WriteZeroesAsync(device, offset, length, forceUnitAccess, token);
                    break;
            }

            return NbdError.None;
        }
        catch (BlockDeviceException e)
        {
            return e.Error switch
            {
                BlockDeviceError.NotPermitted => NbdError.NotPermitted,
                BlockDeviceError.InvalidArgument => NbdError.InvalidArgument,
                BlockDeviceError.NoSpace => NbdError.NoSpace,
                _ => NbdError.Io,
            };
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return NbdError.Shutdown;
        }
        catch (Exception e)
        {
            NbdLog.DeviceFault(_logger, e, Id, slot.Command.ToString());
            return NbdError.Io;
        }
    }

    /// <summary>
    /// Checks a request against what the handshake advertised before the device sees it. The
    /// errors follow the protocol's advice: EPERM for writes to a read-only export, ENOSPC for
    /// writes past the end, EINVAL for everything else that is out of bounds, misaligned, too long,
    /// unknown or carries a flag that was not offered.
    /// </summary>
    private NbdError Check(RequestSlot slot)
    {
        var allowedFlags = (_export.Flags & NbdTransmissionFlags.SendFua) != 0 ? NbdCommandFlags.ForceUnitAccess : NbdCommandFlags.None;
        switch (slot.Command)
        {
            case NbdCommand.Read:
                return (slot.Flags & ~allowedFlags) != 0 || slot.Length > (uint)_export.MaxPayloadLength || !IsAligned(slot) || !IsInside(slot)
                    ? NbdError.InvalidArgument
                    : NbdError.None;

            case NbdCommand.Write:
            case NbdCommand.WriteZeroes:
                if (_export.IsReadOnly)
                {
                    return NbdError.NotPermitted;
                }

                if (slot.Command == NbdCommand.WriteZeroes)
                {
                    // NO_HOLE asks for allocated zeroes; writing zeroes always allocates.
                    allowedFlags |= NbdCommandFlags.NoHole;
                }

                if ((slot.Flags & ~allowedFlags) != 0 || slot.Length > (uint)_export.MaxPayloadLength || !IsAligned(slot))
                {
                    return NbdError.InvalidArgument;
                }

                return IsInside(slot) ? NbdError.None : NbdError.NoSpace;

            case NbdCommand.Flush:
                return (_export.Flags & NbdTransmissionFlags.SendFlush) == 0 || (slot.Flags & ~allowedFlags) != 0
                    ? NbdError.InvalidArgument
                    : NbdError.None;

            case NbdCommand.Trim:
                if (_export.IsReadOnly)
                {
                    return NbdError.NotPermitted;
                }

                // A trim may be rounded inwards to whole blocks, so alignment is not checked.
                return (_export.Flags & NbdTransmissionFlags.SendTrim) == 0 || (slot.Flags & ~allowedFlags) != 0 || !IsInside(slot)
                    ? NbdError.InvalidArgument
                    : NbdError.None;

            default:
                return NbdError.InvalidArgument;
        }
    }

    private bool IsAligned(RequestSlot slot) => ((slot.Offset | slot.Length) & (ulong)(_export.BlockSize - 1)) == 0;

    private bool IsInside(RequestSlot slot) =>
        slot.Offset <= (ulong)_export.Size && slot.Length <= (ulong)_export.Size - slot.Offset;

    private async ValueTask TrimAsync(IBlockDevice device, long offset, uint length, bool forceUnitAccess, CancellationToken token)
    {
        var mask = (long)_export.BlockSize - 1;
        var start = (offset + mask) & ~mask;
        var end = (offset + length) & ~mask;
        if (end > start)
        {
            await device.TrimAsync(start, end - start, token);
        }

        if (forceUnitAccess && device.SupportsFlush)
        {
            await device.FlushAsync(token);
        }
    }

    private static async ValueTask WriteZeroesAsync(IBlockDevice device, long offset, int length, bool forceUnitAccess, CancellationToken token)
    {
        var zeroes = Zeroes.Block;
        while (length > 0)
        {
            var count = Math.Min(length, zeroes.Length);
            await device.WriteAsync(offset, zeroes.AsMemory(0, count), forceUnitAccess: false, token);
            offset += count;
            length -= count;
        }

        // One flush makes the whole range durable, rather than FUA on every chunk.
        if (forceUnitAccess && device.SupportsFlush)
        {
            await device.FlushAsync(token);
        }
    }

    /// <summary>A shared block of zeroes for WRITE_ZEROES, allocated on first use.</summary>
    private static class Zeroes
    {
        public static readonly byte[] Block = new byte[1024 * 1024];
    }
}
