namespace ParaIo.Load.Measurement;

/// <summary>
/// The time plan of one measured run: a warm-up (the JIT tiers the loops up, caches and branch
/// predictors settle) that is thrown away, then the measured part. Both sides of every transport
/// get the same plan.
/// </summary>
internal readonly record struct MeasurementWindow(TimeSpan Warmup, TimeSpan Duration)
{
    /// <summary>How long the peer may serve one run before it gives up on the parent.</summary>
    public TimeSpan PeerLimit => Warmup + Duration + TimeSpan.FromSeconds(15);

    /// <summary>Starts the clock: returns when the warm-up ends and when the run ends.</summary>
    public (long MeasureFrom, long End) Start()
    {
        var now = Clock.Now;
        var measureFrom = now + Clock.Ticks(Warmup);
        return (measureFrom, measureFrom + Clock.Ticks(Duration));
    }
}
