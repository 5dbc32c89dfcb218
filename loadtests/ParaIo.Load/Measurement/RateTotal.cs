namespace ParaIo.Load.Measurement;

/// <summary>Sums a transport's measured rounds: operations over seconds, across all of them.</summary>
internal sealed class RateTotal(long bytesPerOperation)
{
    private long _operations;
    private double _seconds;

    public void Add(RateFigures round)
    {
        _operations += round.Operations;
        _seconds += round.Seconds;
    }

    public RateFigures Result => new(_operations, _seconds, bytesPerOperation);
}
