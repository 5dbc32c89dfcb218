namespace ParaIo.Backend.Qos;

/// <summary>Tuning of a <see cref="PortScheduler"/>, fixed when it is created.</summary>
public sealed class PortSchedulerOptions
{
    /// <summary>Work items (frames or admission waiters) each leaf may hold; more are refused and counted as dropped.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Default bursts hold this much time at the bucket's rate.</summary>
    public TimeSpan BurstTime { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The smallest default burst in bytes, so one large frame (a 64 KiB GSO segment) always fits.</summary>
    public long MinBurst { get; init; } = 64 * 1024;

    /// <summary>The window of the rate estimators.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Weight of the newest window in the rate estimate, in (0, 1].</summary>
    public double RateSmoothing { get; init; } = 0.5;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BurstTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBurst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RateWindow, TimeSpan.Zero);
        if (!(RateSmoothing > 0 && RateSmoothing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(RateSmoothing), RateSmoothing, "The smoothing factor lies in (0, 1].");
        }
    }
}
