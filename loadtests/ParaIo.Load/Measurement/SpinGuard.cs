using System.Runtime.CompilerServices;

namespace ParaIo.Load.Measurement;

/// <summary>
/// The one busy-wait policy of every polling loop, ParaIo's and the baselines' alike. Spin on the
/// shared word; after <see cref="TurnsBeforeYield"/> turns without progress, give the CPU away
/// once (sched_yield) and look at the deadline and the cancellation token. With a core each, a
/// healthy wait never gets that far, so the fast path pays nothing. When the scheduler has put
/// both processes on one core (nothing is pinned, and other processes may hold the other core),
/// the yield lets the other side run instead of burning a whole time slice. Without it, both
/// ParaIo and the limit drop a thousandfold there. Mutable struct: keep it in a local.
/// </summary>
internal struct SpinGuard
{
    /// <summary>About 5-20 µs of spinning on this machine: far above a healthy cross-core hand-off (~0.1 µs).</summary>
    private const int TurnsBeforeYield = 1 << 12;

    private readonly long _deadline;
    private readonly CancellationToken _cancellation;
    private readonly string _waitingFor;
    private int _turns;

    /// <param name="deadline">A <see cref="Clock.Now"/> timestamp after which waiting is a failure.</param>
    /// <param name="waitingFor">What the wait is for, for the timeout message.</param>
    /// <param name="cancellation">Set when the peer is lost or the user pressed Ctrl+C.</param>
    public SpinGuard(long deadline, string waitingFor, CancellationToken cancellation)
    {
        _deadline = deadline;
        _cancellation = cancellation;
        _waitingFor = waitingFor;
        _turns = 0;
    }

    /// <summary>One turn of the wait. Throws past the deadline, or on cancellation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Spin()
    {
        if (++_turns >= TurnsBeforeYield)
        {
            Stall();
        }
    }

    /// <summary>The wait made progress: the next stall is counted from here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Progress() => _turns = 0;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Stall()
    {
        _turns = 0;
        _cancellation.ThrowIfCancellationRequested();
        if (Clock.Now > _deadline)
        {
            throw new TimeoutException($"Gave up waiting for {_waitingFor}: the deadline passed.");
        }

        Thread.Yield();
    }
}
