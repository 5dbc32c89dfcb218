using System.Runtime.CompilerServices;

namespace ParaIo.Load.Measurement;

/// <summary>
/// Bounds a busy-wait by an absolute deadline: every few thousand turns it looks at the clock and at
/// the cancellation token, so a spinning side notices a dead peer or Ctrl+C without paying for a
/// clock read on every turn. Mutable struct: keep it in a local.
/// </summary>
internal struct SpinGuard
{
    private const int TurnsBetweenChecks = 1 << 12;

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
        if (++_turns >= TurnsBetweenChecks)
        {
            Check();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Check()
    {
        _turns = 0;
        _cancellation.ThrowIfCancellationRequested();
        if (Clock.Now > _deadline)
        {
            throw new TimeoutException($"Gave up waiting for {_waitingFor}: the deadline passed.");
        }
    }
}
