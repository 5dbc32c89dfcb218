namespace ParaIo.Backend.Qos;

/// <summary>
/// A token bucket: tokens (bytes or operations) accrue at <see cref="Rate"/> a second up to
/// <see cref="Burst"/>, and a consumer proceeds when it can take what it needs. Time comes from an
/// injectable <see cref="TimeProvider"/>, so tests drive it with a manual clock. Thread-safe; each
/// call takes a short lock and never allocates.
/// </summary>
/// <remarks>
/// A request larger than the burst can never find that many tokens; it is admitted once the bucket
/// is full and leaves it in debt, so the long-run rate stays exact.
/// </remarks>
public sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _ticksPerSecond;
    private RateBucket _bucket;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="rate">Tokens a second; 0 stops the bucket.</param>
    /// <param name="burst">Most tokens the bucket holds; at least 1.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public TokenBucket(long rate, long burst, TimeProvider? timeProvider = null)
    {
        Validate(rate, burst);
        _time = timeProvider ?? TimeProvider.System;
        _ticksPerSecond = _time.TimestampFrequency;
        _bucket = new RateBucket(rate, burst, _time.GetTimestamp());
    }

    /// <summary>Tokens a second.</summary>
    public long Rate
    {
        get
        {
            lock (_lock)
            {
                return (long)_bucket.Rate;
            }
        }
    }

    /// <summary>Most tokens the bucket holds.</summary>
    public long Burst
    {
        get
        {
            lock (_lock)
            {
                return (long)_bucket.Burst;
            }
        }
    }

    /// <summary>Tokens available now (negative while the bucket is in debt).</summary>
    public double Available
    {
        get
        {
            lock (_lock)
            {
                _bucket.Refill(_time.GetTimestamp(), _ticksPerSecond);
                return _bucket.Tokens;
            }
        }
    }

    /// <summary>Takes <paramref name="amount"/> tokens if the bucket has them (or is full, for an amount above the burst).</summary>
    /// <returns>Whether the tokens were taken.</returns>
    public bool TryConsume(long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        lock (_lock)
        {
            _bucket.Refill(_time.GetTimestamp(), _ticksPerSecond);
            if (_bucket.Tokens < Math.Min(amount, _bucket.Burst))
            {
                return false;
            }

            _bucket.Tokens -= amount;
            return true;
        }
    }

    /// <summary>Takes <paramref name="amount"/> tokens whether or not they are there, leaving the bucket in debt if need be.</summary>
    public void Consume(long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        lock (_lock)
        {
            _bucket.Refill(_time.GetTimestamp(), _ticksPerSecond);
            _bucket.Tokens -= amount;
        }
    }

    /// <summary>
    /// How long until <see cref="TryConsume"/> of <paramref name="amount"/> would succeed:
    /// <see cref="TimeSpan.Zero"/> if it would now, <see cref="Timeout.InfiniteTimeSpan"/> if the rate is 0.
    /// </summary>
    public TimeSpan TimeUntilAvailable(long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        long ticks;
        lock (_lock)
        {
            _bucket.Refill(_time.GetTimestamp(), _ticksPerSecond);
            ticks = _bucket.TicksUntil(Math.Min(amount, _bucket.Burst), _ticksPerSecond);
        }

        if (ticks == long.MaxValue)
        {
            return Timeout.InfiniteTimeSpan;
        }

        return TimeSpan.FromTicks((long)Math.Ceiling(ticks * (double)TimeSpan.TicksPerSecond / _ticksPerSecond));
    }

    /// <summary>
    /// Changes the rate and the burst at once. Time already passed is credited at the old rate;
    /// from now on tokens accrue at the new one, and tokens above the new burst are dropped.
    /// </summary>
    public void Reconfigure(long rate, long burst)
    {
        Validate(rate, burst);
        lock (_lock)
        {
            _bucket.Refill(_time.GetTimestamp(), _ticksPerSecond);
            _bucket.Reconfigure(rate, burst);
        }
    }

    private static void Validate(long rate, long burst)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
    }
}
