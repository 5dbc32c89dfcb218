namespace ParaIo.Store.Diagnostics;

/// <summary>What <see cref="StoreThroughput.MeasureAsync"/> measured: the same write+read mix three ways.</summary>
/// <param name="Operations">Operations timed in each mode (half writes, half reads).</param>
/// <param name="PipelineDepth">Requests in flight at once in the pipelined mode.</param>
/// <param name="InProcess">Time for the operations called on the tree directly (the baseline: no socket, no protocol).</param>
/// <param name="Sequential">Time over the socket, each request awaited before the next.</param>
/// <param name="Pipelined">Time over the socket with <paramref name="PipelineDepth"/> requests in flight.</param>
public sealed record StoreThroughputResult(int Operations, int PipelineDepth, TimeSpan InProcess, TimeSpan Sequential, TimeSpan Pipelined)
{
    /// <summary>Operations per second on the tree directly.</summary>
    public double InProcessPerSecond => Operations / InProcess.TotalSeconds;

    /// <summary>Operations per second over the socket, one at a time.</summary>
    public double SequentialPerSecond => Operations / Sequential.TotalSeconds;

    /// <summary>Operations per second over the socket, pipelined.</summary>
    public double PipelinedPerSecond => Operations / Pipelined.TotalSeconds;

    /// <summary>One line a mode, for a console or a test log.</summary>
    public override string ToString() =>
        $"store ops/s ({Operations} ops, half writes, half reads, 32-byte values):{Environment.NewLine}" +
        $"  in-process tree       {InProcessPerSecond,12:N0}{Environment.NewLine}" +
        $"  socket, sequential    {SequentialPerSecond,12:N0}  ({SequentialPerSecond / InProcessPerSecond:P1} of in-process){Environment.NewLine}" +
        $"  socket, pipelined x{PipelineDepth,-3}{PipelinedPerSecond,12:N0}  ({PipelinedPerSecond / SequentialPerSecond:N1}x sequential)";
}
