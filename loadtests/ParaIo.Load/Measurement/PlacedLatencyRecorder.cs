namespace ParaIo.Load.Measurement;

/// <summary>
/// Round trips split by where the two processes ran: on the same vCPU (a hand-off is a context
/// switch) or on different ones (a hand-off crosses cores, and a sleeping side must be woken by
/// an inter-processor interrupt). Nothing is pinned, the scheduler moves between the two, and on
/// a VM they differ tenfold for a blocking round trip, so each is also reported on its own.
/// </summary>
internal sealed class PlacedLatencyRecorder
{
    private readonly LatencyRecorder _all = new();
    private readonly LatencyRecorder _sameCpu = new();
    private readonly LatencyRecorder _crossCpu = new();
    private long _same;
    private long _cross;

    /// <summary>Records one round trip and the CPUs the two sides were on at its end.</summary>
    public void Record(long ticks, int cpu, int peerCpu)
    {
        _all.RecordTicks(ticks);
        if (cpu == peerCpu)
        {
            _sameCpu.RecordTicks(ticks);
            _same++;
        }
        else
        {
            _crossCpu.RecordTicks(ticks);
            _cross++;
        }
    }

    public PlacedLatency Summarize() => new(
        _all.Summarize(),
        _sameCpu.Summarize(),
        _crossCpu.Summarize(),
        _same + _cross == 0 ? double.NaN : (double)_same / (_same + _cross));
}
