using HdrHistogram;

namespace ParaIo.Load.Measurement;

/// <summary>
/// Round-trip times of one transport, in nanoseconds, in an HdrHistogram (3 significant digits,
/// 1 ns .. 10 s): recording is an array increment, no allocation. One recorder collects a
/// transport's measured rounds.
/// </summary>
internal sealed class LatencyRecorder
{
    private const long Highest = 10_000_000_000;

    private readonly LongHistogram _histogram = new(1, Highest, 3);

    /// <summary>Records one round trip measured in <see cref="Clock"/> ticks.</summary>
    public void RecordTicks(long ticks)
    {
        var nanoseconds = Clock.Nanoseconds(ticks);
        _histogram.RecordValue(nanoseconds < 1 ? 1 : nanoseconds > Highest ? Highest : nanoseconds);
    }

    /// <summary>Adds another recorder's samples to this one (the blk library mode keeps one recorder per reader).</summary>
    public void Add(LatencyRecorder other) => _histogram.Add(other._histogram);

    public LatencyFigures Summarize() => LatencyFigures.From(_histogram);
}
