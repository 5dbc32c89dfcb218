namespace ParaIo.Load.Measurement;

/// <summary>
/// Counts completed operations across the measured part of a run: notes the count and the clock
/// at the first tick past the warm-up and at the first tick past the end. Mutable struct: keep it
/// in a local.
/// </summary>
internal struct RateMeter
{
    private readonly long _measureFrom;
    private long _startTicks;
    private long _startOperations;
    private long _endTicks;
    private long _endOperations;

    public RateMeter(MeasurementWindow window) => (_measureFrom, End) = window.Start();

    /// <summary>When the run is planned to end.</summary>
    public long End { get; }

    /// <summary>Notes the clock and the count so far; true once the run is over.</summary>
    public bool Tick(long now, long operations)
    {
        if (_startTicks == 0 && now >= _measureFrom)
        {
            _startTicks = now;
            _startOperations = operations;
        }

        if (now < End)
        {
            return false;
        }

        _endTicks = now;
        _endOperations = operations;
        return true;
    }

    public readonly RateFigures Result(long bytesPerOperation) =>
        RateFigures.Between(_startOperations, _startTicks, _endOperations, _endTicks, bytesPerOperation);
}
