using System.Threading.Tasks.Sources;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Nbd.Connections;

/// <summary>
/// One request in flight on a connection, reused for request after request: the reader fills it
/// and wakes the slot's worker, the worker runs it against the device, the reply writer answers
/// it and hands it back to the reader. A connection has at most
/// <see cref="NbdServerOptions.MaxInFlightPerConnection"/> slots, which is its queue depth.
/// </summary>
/// <remarks>
/// The slot is its own awaitable (a reset-on-consume <see cref="ManualResetValueTaskSourceCore{TResult}"/>)
/// so waking a worker allocates nothing. Continuations run inline: a device that completes
/// synchronously (memory) is served on the reader's thread without a thread-pool hop.
/// </remarks>
internal sealed class RequestSlot : IValueTaskSource<bool>
{
    private ManualResetValueTaskSourceCore<bool> _signal;

    public NbdCommand Command { get; private set; }

    public NbdCommandFlags Flags { get; private set; }

    public ulong Cookie { get; private set; }

    public ulong Offset { get; private set; }

    public uint Length { get; private set; }

    /// <summary>WRITE's payload or READ's data, rented from the array pool; null for other commands.</summary>
    public byte[]? Buffer { get; set; }

    /// <summary>Bytes charged to the connection's buffer budget, given back with the reply.</summary>
    public long BudgetBytes { get; set; }

    /// <summary>The reply's error; the reader may set it before the worker sees the request.</summary>
    public NbdError Error { get; set; }

    public void Load(in RequestHeader header)
    {
        Command = header.Command;
        Flags = header.Flags;
        Cookie = header.Cookie;
        Offset = header.Offset;
        Length = header.Length;
        Error = NbdError.None;
    }

    /// <summary>The worker waits here: true means a request is loaded, false that the connection is done.</summary>
    public ValueTask<bool> NextAsync() => new(this, _signal.Version);

    /// <summary>Hands the loaded request to the worker.</summary>
    public void Run() => _signal.SetResult(true);

    /// <summary>Ends the worker's loop.</summary>
    public void Retire() => _signal.SetResult(false);

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        var result = _signal.GetResult(token);

        // Reset before the worker runs the request, so the next Run cannot come before it.
        _signal.Reset();
        return result;
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);
}
