using HdrHistogram;

namespace ParaIo.Load.Measurement;

/// <summary>Percentiles of a round-trip distribution, in microseconds.</summary>
internal sealed record LatencyFigures(long Count, double P50Us, double P90Us, double P99Us, double P999Us, double MaxUs, double MeanUs)
{
    public static LatencyFigures From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencyFigures(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new LatencyFigures(
            histogram.TotalCount,
            Us(histogram.GetValueAtPercentile(50)),
            Us(histogram.GetValueAtPercentile(90)),
            Us(histogram.GetValueAtPercentile(99)),
            Us(histogram.GetValueAtPercentile(99.9)),
            Us(histogram.GetMaxValue()),
            histogram.GetMean() / 1000.0);
    }

    private static double Us(long nanoseconds) => nanoseconds / 1000.0;
}
