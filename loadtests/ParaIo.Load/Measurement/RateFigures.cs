namespace ParaIo.Load.Measurement;

/// <summary>What a throughput run moved in its measured window.</summary>
/// <param name="Operations">Requests answered in the window.</param>
/// <param name="Seconds">Length of the window, as measured.</param>
/// <param name="BytesPerOperation">Payload bytes each request carried (64 or 65536).</param>
internal sealed record RateFigures(long Operations, double Seconds, long BytesPerOperation)
{
    public double OperationsPerSecond => Seconds > 0 ? Operations / Seconds : double.NaN;

    public double MillionsPerSecond => OperationsPerSecond / 1e6;

    public double GigabytesPerSecond => OperationsPerSecond * BytesPerOperation / 1e9;

    public static RateFigures Between(long operationsFrom, long ticksFrom, long operationsTo, long ticksTo, long bytesPerOperation) =>
        new(operationsTo - operationsFrom, Clock.Seconds(ticksTo - ticksFrom), bytesPerOperation);
}
