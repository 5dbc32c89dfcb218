using System.Diagnostics;
using System.Runtime.CompilerServices;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Linux;

namespace ParaIo.RingBuffer.Events;

/// <summary>
/// One end of an event channel port: a doorbell between two processes with Xen's pending and mask
/// semantics. The receiver spins for a bounded time, then sleeps in the kernel on a futex, so an
/// idle channel costs no CPU; the notifier enters the kernel only when the receiver sleeps.
/// </summary>
/// <remarks>
/// Whether to notify at all is the ring's decision (<c>PushRequests</c>/<c>PushResponses</c>
/// return it). A futex wake never blocks the notifier, whatever the other side has done to the
/// shared words; the worst a guest can do to its port is wake its own backend in vain.
/// </remarks>
public sealed unsafe class EventChannel
{
    private readonly uint* _pending;
    private readonly uint* _masked;
    private readonly uint* _sleeping;
    private readonly uint* _wakeSequence;
    private long _notifications;
    private long _wakeups;
    private long _sleeps;
    private int _kicked;

    internal EventChannel(GrantPool pool, uint port)
    {
        var basePointer = pool.EventPortPointer(port);
        _pending = (uint*)(basePointer + EventChannelLayout.PendingOffset);
        _masked = (uint*)(basePointer + EventChannelLayout.MaskedOffset);
        _sleeping = (uint*)(basePointer + EventChannelLayout.SleepingOffset);
        _wakeSequence = (uint*)(basePointer + EventChannelLayout.WakeSequenceOffset);
        Port = port;
        Pool = pool;
    }

    /// <summary>
    /// Binds to a port of a guest's pool (backend side, or the guest's other end). The port number
    /// comes from the guest and is checked against the pool's private geometry.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The port is outside the pool's event channel area.</exception>
    public static EventChannel Bind(GrantPool pool, uint port)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (port >= (uint)pool.Geometry.EventPorts)
        {
            throw new ArgumentOutOfRangeException(nameof(port), $"Event channel port {port} is outside the pool's {pool.Geometry.EventPorts} ports.");
        }

        return new EventChannel(pool, port);
    }

    /// <summary>The port number, published by the guest in the store.</summary>
    public uint Port { get; }

    /// <summary>The pool the port lives in.</summary>
    public GrantPool Pool { get; }

    /// <summary>Notifications sent from this end.</summary>
    public long Notifications => Volatile.Read(ref _notifications);

    /// <summary>Notifications that had to wake a sleeping receiver with a system call.</summary>
    public long Wakeups => Volatile.Read(ref _wakeups);

    /// <summary>Times the receiver on this end went to sleep in the kernel.</summary>
    public long Sleeps => Volatile.Read(ref _sleeps);

    /// <summary>True while an event is pending (sent and not yet taken).</summary>
    public bool IsPending => Volatile.Read(ref *_pending) != 0;

    /// <summary>Sets the port pending and wakes the receiver if it sleeps and the port is not masked.</summary>
    public void Notify()
    {
        _notifications++;
        // Full fence (exchange): pending is stored before sleeping is loaded. The receiver stores
        // sleeping before loading pending, so one of us sees the other (Dekker).
        if (Interlocked.Exchange(ref *_pending, 1) == 0
            && Volatile.Read(ref *_sleeping) != 0
            && Volatile.Read(ref *_masked) == 0)
        {
            _wakeups++;
            WakeSleeper();
        }
    }

    /// <summary>Takes a pending event; true if there was one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryConsume() => Volatile.Read(ref *_pending) != 0 && Interlocked.Exchange(ref *_pending, 0) != 0;

    /// <summary>
    /// Waits for an event and takes it: spins up to <paramref name="spin"/>, then sleeps in the
    /// kernel until notified or until <paramref name="timeoutMs"/> passes (-1: no limit).
    /// Returns false on timeout or when <paramref name="cancellation"/> is set.
    /// </summary>
    public bool Wait(TimeSpan spin, int timeoutMs = -1, CancellationToken cancellation = default)
    {
        if (TryConsume() || TakeKick())
        {
            return true;
        }

        var spinUntil = Stopwatch.GetTimestamp() + (long)(spin.TotalSeconds * Stopwatch.Frequency);
        var spins = 0;
        while (Stopwatch.GetTimestamp() < spinUntil)
        {
            if (TryConsume() || TakeKick())
            {
                return true;
            }

            // A few pause instructions, then hand the core to any thread ready to run: a waiter
            // must not hold a core the thread it waits for needs (fio, the guest and paraiod
            // share two cores here). On an idle core Yield returns at once, so it still polls.
            if (++spins < 16)
            {
                Thread.SpinWait(1);
            }
            else
            {
                Thread.Yield();
            }
        }

        return Sleep(timeoutMs, cancellation);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Sleep(int timeoutMs, CancellationToken cancellation)
    {
        var deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        using var registration = cancellation.CanBeCanceled ? cancellation.UnsafeRegister(static state => ((EventChannel)state!).Interrupt(), this) : default;
        Interlocked.Exchange(ref *_sleeping, 1); // full fence: sleeping is stored before pending is loaded
        try
        {
            while (true)
            {
                // Read the sequence before the checks: any wake after this point changes it, and
                // the futex wait below then returns at once instead of missing the wake.
                var sequence = Volatile.Read(ref *_wakeSequence);
                if (TryConsume() || TakeKick())
                {
                    return true;
                }

                if (cancellation.IsCancellationRequested)
                {
                    return false;
                }

                var left = deadline == long.MaxValue ? -1 : deadline - Environment.TickCount64;
                if (deadline != long.MaxValue && left <= 0)
                {
                    return false;
                }

                _sleeps++;
                Futex.Wait(_wakeSequence, sequence, (int)Math.Min(left, int.MaxValue));
            }
        }
        finally
        {
            Volatile.Write(ref *_sleeping, 0);
        }
    }

    /// <summary>
    /// Makes this end's own <see cref="Wait"/> return true (now, or the next time it is called), as
    /// an event would, without touching the shared words: for threads of the receiving process
    /// that hand its receiver work (a backend's I/O completions). Nothing the peer writes can keep
    /// a kick from waking the receiver, unlike a <see cref="Notify"/> from this side, which trusts
    /// the peer-writable sleeping word.
    /// </summary>
    public void Kick()
    {
        // Release: the work handed over is visible before the kick is.
        Volatile.Write(ref _kicked, 1);
        WakeSleeper();
    }

    private bool TakeKick() => Volatile.Read(ref _kicked) != 0 && Interlocked.Exchange(ref _kicked, 0) != 0;

    /// <summary>
    /// Wakes this end's own receiver (shutdown, cancellation) without making an event pending;
    /// masked or not. The receiver re-checks its stop condition and, if nothing is pending and it
    /// is not told to stop, sleeps again.
    /// </summary>
    public void Interrupt() => WakeSleeper();

    private void WakeSleeper()
    {
        // Full fence (increment): the new sequence is visible before the wake system call looks
        // at it, so a receiver that read the old one either sees the change or is woken.
        Interlocked.Increment(ref *_wakeSequence);
        Futex.Wake(_wakeSequence, int.MaxValue);
    }

    /// <summary>
    /// Masks the port (Xen semantics): a notification still sets pending, which a receiver that
    /// looks (spinning, or before it sleeps) will see, but it wakes no sleeping receiver.
    /// </summary>
    public void Mask() => Volatile.Write(ref *_masked, 1);

    /// <summary>Unmasks the port; returns true if an event is pending, which the caller should now handle.</summary>
    public bool Unmask()
    {
        Interlocked.Exchange(ref *_masked, 0); // full fence: unmask is stored before pending is loaded
        return IsPending;
    }

    /// <summary>True while masked.</summary>
    public bool IsMasked => Volatile.Read(ref *_masked) != 0;
}
