using System.Threading.Tasks.Sources;

namespace ParaIo.Tap.Devices;

/// <summary>
/// One reusable wait for "the fd may be readable" (or writable): armed by the single caller that got
/// EAGAIN, completed once by whichever comes first of the poller, cancellation or dispose. Reused
/// for every wait, so a pending read allocates nothing.
/// </summary>
internal sealed class ReadinessWaiter : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private int _waiting;

    public bool IsWaiting => Volatile.Read(ref _waiting) != 0;

    /// <summary>Starts a wait. Only one wait at a time: a second concurrent caller is a bug in the caller.</summary>
    public ValueTask Arm(Action<object?, CancellationToken> onCancel, object state, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _waiting, 1, 0) != 0)
        {
            throw new InvalidOperationException("Another asynchronous operation of this kind is already pending on this TAP device.");
        }

        _core.Reset();
        var task = new ValueTask(this, _core.Version);
        if (cancellationToken.CanBeCanceled)
        {
            // May run onCancel synchronously when the token is already cancelled; the wait is armed by then.
            _cancellation = cancellationToken.UnsafeRegister(onCancel, state);
        }

        return task;
    }

    /// <summary>Completes the pending wait, with <paramref name="error"/> if given; false when nothing was waiting.</summary>
    public bool TryComplete(Exception? error)
    {
        // Whoever flips _waiting owns the completion: poller, cancellation and dispose race for it.
        if (Interlocked.CompareExchange(ref _waiting, 0, 1) != 1)
        {
            return false;
        }

        _cancellation.Unregister();
        _cancellation = default;
        if (error is null)
        {
            _core.SetResult(true);
        }
        else
        {
            _core.SetException(error);
        }

        return true;
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
