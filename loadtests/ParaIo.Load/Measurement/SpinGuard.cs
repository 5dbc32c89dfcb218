using System.Runtime.CompilerServices;

namespace ParaIo.Load.Measurement;

/// <summary>
/// The one busy-wait policy of every polling loop, ParaIo's and the baselines' alike. Spin on the
/// shared word; every <see cref="TurnsBetweenClockReads"/> turns look at the clock, the deadline and
/// the cancellation token, and once the wait has gone <see cref="s_yieldAfter"/> without progress,
/// give the CPU away (sched_yield). The threshold is time, not turns, because one turn of a ring
/// poll costs several times a bare volatile read, and the policy must be the same for both. With
/// a core each, a healthy hand-off (~0.1 µs) never reaches the first clock read, so the fast path
/// pays nothing. When the scheduler has put both processes on one core (nothing is pinned, and
/// other processes may hold the other core), the yield lets the other side run instead of burning
/// a whole time slice. Mutable struct: keep it in a local.
/// </summary>
internal struct SpinGuard
{
    private const int TurnsBetweenClockReads = 256;

    private static readonly long s_yieldAfter = Clock.Ticks(TimeSpan.FromMicroseconds(5));

    private readonly long _deadline;
    private readonly CancellationToken _cancellation;
    private readonly string _waitingFor;
    private int _turns;
    private long _spinningSince;

    /// <param name="deadline">A <see cref="Clock.Now"/> timestamp after which waiting is a failure.</param>
    /// <param name="waitingFor">What the wait is for, for the timeout message.</param>
    /// <param name="cancellation">Set when the peer is lost or the user pressed Ctrl+C.</param>
    public SpinGuard(long deadline, string waitingFor, CancellationToken cancellation)
    {
        _deadline = deadline;
        _cancellation = cancellation;
        _waitingFor = waitingFor;
        _turns = 0;
        _spinningSince = 0;
    }

    /// <summary>One turn of the wait. Throws past the deadline, or on cancellation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Spin()
    {
        if (++_turns >= TurnsBetweenClockReads)
        {
            Stall();
        }
    }

    /// <summary>The wait made progress: the next stall is timed from here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Progress()
    {
        _turns = 0;
        _spinningSince = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Stall()
    {
        _turns = 0;
        var now = Clock.Now;
        if (_spinningSince == 0)
        {
            _spinningSince = now;
            return;
        }

        _cancellation.ThrowIfCancellationRequested();
        if (now > _deadline)
        {
            throw new TimeoutException($"Gave up waiting for {_waitingFor}: the deadline passed.");
        }

        if (now - _spinningSince >= s_yieldAfter)
        {
            Thread.Yield();
            _spinningSince = 0;
        }
    }
}
