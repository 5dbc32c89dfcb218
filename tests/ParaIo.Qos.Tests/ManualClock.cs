namespace ParaIo.Qos.Tests;

/// <summary>
/// A clock that moves only when told, with timers that fire inline, in due order, while it is
/// advanced: simulated seconds cost microseconds and every run is the same.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    public const long Frequency = 1_000_000_000;

    private readonly List<ManualTimer> _timers = [];
    private long _now;

    public override long TimestampFrequency => Frequency;

    public TimeSpan Elapsed => TimeSpan.FromTicks(_now / 100);

    public override long GetTimestamp() => Volatile.Read(ref _now);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch + Elapsed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    public void Advance(TimeSpan by) => AdvanceTicks(by.Ticks * 100);

    public void AdvanceTicks(long ticks)
    {
        var target = _now + ticks;
        for (var fired = 0; ; fired++)
        {
            if (fired > 1_000_000)
            {
                throw new InvalidOperationException("A timer keeps re-arming itself for now.");
            }

            ManualTimer? next = null;
            lock (_timers)
            {
                foreach (var timer in _timers)
                {
                    if (timer.Due <= target && (next is null || timer.Due < next.Due))
                    {
                        next = timer;
                    }
                }
            }

            if (next is null)
            {
                break;
            }

            Volatile.Write(ref _now, Math.Max(_now, next.Due));
            next.Fire();
        }

        Volatile.Write(ref _now, target);
    }

    private void Remove(ManualTimer timer)
    {
        lock (_timers)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _period = long.MaxValue;

        public long Due { get; private set; } = long.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : clock.GetTimestamp() + (dueTime.Ticks * 100);
            _period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? long.MaxValue : period.Ticks * 100;
            return true;
        }

        public void Fire()
        {
            Due = _period == long.MaxValue ? long.MaxValue : Due + _period;
            callback(state);
        }

        public void Dispose()
        {
            Due = long.MaxValue;
            clock.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
