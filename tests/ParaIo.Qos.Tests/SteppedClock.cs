namespace ParaIo.Qos.Tests;

/// <summary>
/// A clock that moves only when told and whose timers never fire: a shaper under it runs its
/// sender thread only when a test settles it (or work arrives), always at the clock's present
/// time, so simulated seconds cost milliseconds and the outcome does not depend on the machine.
/// </summary>
internal sealed class SteppedClock : TimeProvider
{
    private long _now;

    public override long TimestampFrequency => 1_000_000_000;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref _now) / 100);

    public override long GetTimestamp() => Volatile.Read(ref _now);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch + Elapsed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new InertTimer();

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks * 100);

    private sealed class InertTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
