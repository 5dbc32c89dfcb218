using ParaIo.Tap.Linux;

namespace ParaIo.Tap.Devices;

/// <summary>
/// The asynchronous side of one non-blocking fd: at most one read wait and one write wait, and the
/// EPOLLONESHOT interest that serves them in <see cref="TapPoller"/>. Interest is level-triggered and
/// re-armed after each EAGAIN, so data that arrives between the failed read and the re-arm still
/// reports at once: no wakeup is lost and no edge needs draining.
/// </summary>
internal sealed class FdReadiness : IDisposable
{
    private static readonly Action<object?, CancellationToken> s_cancelRead = static (state, token) =>
        ((FdReadiness)state!).Cancel(LibC.EPOLLIN, token);

    private static readonly Action<object?, CancellationToken> s_cancelWrite = static (state, token) =>
        ((FdReadiness)state!).Cancel(LibC.EPOLLOUT, token);

    private readonly Lock _gate = new();
    private readonly TapPoller _poller;
    private readonly int _fd;
    private readonly ulong _key;
    private readonly ReadinessWaiter _read = new();
    private readonly ReadinessWaiter _write = new();
    private uint _armed;
    private bool _disposed;

    public FdReadiness(TapPoller poller, int fd)
    {
        _poller = poller;
        _fd = fd;
        _key = poller.Register(fd, this);
    }

    /// <summary>Waits until the fd reports <paramref name="events"/> (EPOLLIN or EPOLLOUT), an error or hangup.</summary>
    public ValueTask WaitAsync(uint events, CancellationToken cancellationToken)
    {
        var waiter = events == LibC.EPOLLIN ? _read : _write;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var task = waiter.Arm(events == LibC.EPOLLIN ? s_cancelRead : s_cancelWrite, this, cancellationToken);
            if (waiter.IsWaiting)
            {
                _armed |= events;
                try
                {
                    _poller.Arm(_fd, _key, _armed);
                }
                catch (Exception e)
                {
                    _armed &= ~events;
                    waiter.TryComplete(e);
                }
            }

            return task;
        }
    }

    /// <summary>Called on the poller thread with what epoll reported.</summary>
    public void OnEvents(uint events)
    {
        uint fired;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // An error or hangup wakes every waiter: each retries its syscall and meets the error there.
            fired = (events & (LibC.EPOLLERR | LibC.EPOLLHUP)) != 0 ? _armed : events & _armed;
            _armed &= ~fired;

            // ONESHOT disabled the whole registration; keep serving the waiter that did not fire.
            if (_armed != 0)
            {
                _poller.Arm(_fd, _key, _armed);
            }
        }

        if ((fired & LibC.EPOLLIN) != 0)
        {
            _read.TryComplete(null);
        }

        if ((fired & LibC.EPOLLOUT) != 0)
        {
            _write.TryComplete(null);
        }
    }

    private void Cancel(uint events, CancellationToken token)
    {
        lock (_gate)
        {
            // Leaving the epoll interest armed is harmless: a later report finds no waiter.
            _armed &= ~events;
        }

        (events == LibC.EPOLLIN ? _read : _write).TryComplete(new OperationCanceledException(token));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _armed = 0;

            // Under the gate, so no re-arm can reach epoll for an fd number the caller is about to close.
            _poller.Unregister(_fd, _key);
        }

        _read.TryComplete(new ObjectDisposedException(nameof(TapDevice)));
        _write.TryComplete(new ObjectDisposedException(nameof(TapDevice)));
    }
}
