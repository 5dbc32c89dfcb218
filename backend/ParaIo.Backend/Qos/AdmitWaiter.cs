using System.Threading.Tasks.Sources;

namespace ParaIo.Backend.Qos;

/// <summary>
/// The pooled completion source behind <see cref="PortScheduler.WaitAdmitAsync"/>. Completed under
/// the scheduler's lock, so continuations always run asynchronously, never inside the lock.
/// </summary>
internal sealed class AdmitWaiter : IValueTaskSource
{
    private static readonly Action<object?, CancellationToken> s_onCancel = static (state, token) =>
    {
        var waiter = (AdmitWaiter)state!;
        waiter._owner.CancelWaiter(waiter, token);
    };

    private readonly PortScheduler _owner;
    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _registration;

    public AdmitWaiter(PortScheduler owner)
    {
        _owner = owner;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Queued and neither admitted, failed nor cancelled (guarded by the scheduler's lock).</summary>
    public bool Pending { get; set; }

    public short Version => _core.Version;

    /// <summary>Registers for cancellation; called outside the scheduler's lock, since a cancelled token calls back at once.</summary>
    public void WatchCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(s_onCancel, this);
        }
    }

    public void Admit()
    {
        Pending = false;
        _core.SetResult(true);
    }

    public void Fail(Exception exception)
    {
        Pending = false;
        _core.SetException(exception);
    }

    public void GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            // Dispose waits for a cancellation callback already running, so none can see the next use.
            _registration.Dispose();
            _registration = default;
            _core.Reset();
            _owner.ReturnWaiter(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
