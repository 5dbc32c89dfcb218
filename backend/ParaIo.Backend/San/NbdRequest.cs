using System.Buffers.Binary;
using System.Threading.Tasks.Sources;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Backend.San;

/// <summary>
/// One request slot of a connection, reused for request after request: what to send, where the
/// reply's data goes, and the value-task source its caller awaits. The cookie on the wire is the
/// slot's index and a generation, so a late or forged reply cannot complete the slot's next use.
/// </summary>
/// <remarks>
/// Two parties hold a slot while it is in flight: the sender, until it has sent the request (and
/// copied or sent the caller's write data), and the receiver, until the reply is in (and a READ's
/// data is in the caller's memory) or the connection failed. The caller's task completes only
/// when both let go, so nothing touches the caller's memory after its task completed.
/// </remarks>
internal sealed class NbdRequest : IValueTaskSource
{
    private readonly NbdClient _owner;
    private ManualResetValueTaskSourceCore<int> _core;
    private int _holders;
    private int _error;
    private Exception? _failure;

    public NbdRequest(NbdClient owner, ushort index)
    {
        _owner = owner;
        Index = index;
        _core.RunContinuationsAsynchronously = true; // callers never run on the receive loop
    }

    public ushort Index { get; }

    public uint Generation { get; private set; }

    public ulong Cookie => ((ulong)Generation << 16) | Index;

    public NbdCommand Command { get; private set; }

    public NbdCommandFlags Flags { get; private set; }

    public long Offset { get; private set; }

    /// <summary>The length field of the request: the payload's length, or the range of a TRIM.</summary>
    public uint Length { get; private set; }

    public NbdPayload Payload { get; private set; }

    public bool ExpectsReply { get; private set; }

    /// <summary>When it was queued (Environment.TickCount64), for the deadline.</summary>
    public long QueuedAt { get; set; }

    public short Version => _core.Version;

    /// <summary>What the request asks, for messages: <c>READ of 4096 bytes at 0</c>.</summary>
    public string Description => $"{CommandName(Command)} of {Length} bytes at {Offset}";

    public void Prepare(NbdCommand command, NbdCommandFlags flags, long offset, uint length, NbdPayload payload)
    {
        _core.Reset();
        Generation++;
        Command = command;
        Flags = flags;
        Offset = offset;
        Length = length;
        Payload = payload;
        ExpectsReply = command != NbdCommand.Disconnect;
        _error = 0;
        _failure = null;
        _holders = ExpectsReply ? 2 : 1;
    }

    /// <summary>Writes the request's header (<see cref="NbdWire.RequestHeaderLength"/> bytes) at the start of <paramref name="destination"/>.</summary>
    public void WriteHeader(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, NbdWire.RequestMagic);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Command);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Cookie);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], (ulong)Offset);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], Length);
    }

    /// <summary>The receiver's part: the reply came with <paramref name="error"/> (0 for success).</summary>
    public void Answer(int error)
    {
        _error = error;
        Release();
    }

    /// <summary>The receiver's part when no reply will come: the connection failed.</summary>
    public void Abort(Exception failure)
    {
        _failure = failure;
        Release();
    }

    /// <summary>The sender is done with the request and the caller's write data.</summary>
    public void ReleaseSender() => Release();

    /// <summary>A request that never went out: its caller gets <paramref name="failure"/>.</summary>
    public void Refuse(Exception failure)
    {
        _failure = failure;
        _holders = 1;
        Release();
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    public void GetResult(short token)
    {
        // A wrong token or a request not yet answered throws here, before the slot could go back
        // to the free list twice or while it is still in flight.
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            throw new InvalidOperationException("The NBD request has not completed.");
        }

        try
        {
            _core.GetResult(token);
        }
        finally
        {
            _owner.Return(this);
        }
    }

    private static string CommandName(NbdCommand command) => command switch
    {
        NbdCommand.Read => "READ",
        NbdCommand.Write => "WRITE",
        NbdCommand.Disconnect => "DISC",
        NbdCommand.Flush => "FLUSH",
        NbdCommand.Trim => "TRIM",
        _ => $"command {(ushort)command}",
    };

    private static string ErrorName(int error) => (NbdError)error switch
    {
        NbdError.NotPermitted => "EPERM",
        NbdError.Io => "EIO",
        NbdError.NoMemory => "ENOMEM",
        NbdError.InvalidArgument => "EINVAL",
        NbdError.NoSpace => "ENOSPC",
        NbdError.Overflow => "EOVERFLOW",
        NbdError.NotSupported => "ENOTSUP",
        NbdError.Shutdown => "ESHUTDOWN",
        _ => $"error {error}",
    };

    /// <summary>
    /// The last holder completes the caller's task, faulted when the request failed: its status
    /// must say so (a caller that finds the task completed successfully takes no result and
    /// catches nothing, so a failure reported only by <see cref="GetResult"/> would skip it).
    /// </summary>
    private void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0)
        {
            return;
        }

        Payload = default; // the caller's memory is not kept past its task
        if (_failure is { } failure)
        {
            _failure = null;

            // A new exception for each request: one connection failure fails many at once, on many threads.
            _core.SetException(new NbdConnectionException(failure.Message, failure));
        }
        else if (_error != 0)
        {
            _core.SetException(new NbdServerErrorException(_error, $"The NBD server answered {Description} with {ErrorName(_error)}."));
        }
        else
        {
            _core.SetResult(0);
        }
    }
}
