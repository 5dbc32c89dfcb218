namespace ParaIo.Backend.Qos;

/// <summary>Tuning of an <see cref="EgressShaper"/>, fixed when it is created.</summary>
public sealed class EgressShaperOptions
{
    /// <summary>Frames each traffic class may hold queued; more are dropped (drop-tail) and counted.</summary>
    public int QueueFrames { get; init; } = 256;

    /// <summary>Bytes each traffic class may hold queued; more are dropped (drop-tail) and counted. At least 64 KiB, one GSO frame.</summary>
    public long QueueBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Default bursts hold this much time at their bucket's rate (at least 64 KiB). It must cover
    /// how late the sender thread may wake on a busy host: tokens beyond a burst are lost, so a
    /// sender that oversleeps its burst falls short of the committed rate.
    /// </summary>
    public TimeSpan BurstTime { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How often the sender spins (and yields its core) before it blocks for the next departure.
    /// Zero: on a host whose cores are all busy every yield waits out other threads' time slices, and
    /// a sender that spun slept about 20 ms for each 1 ms it asked, delivering half its vNIC's rate.
    /// Only the test that shows this sets it.
    /// </summary>
    internal int SenderSpinCount { get; init; }

    internal PortSchedulerOptions SchedulerOptions() => new() { QueueCapacity = QueueFrames, BurstTime = BurstTime };

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueBytes, 64 * 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(BurstTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(SenderSpinCount);
    }
}
