namespace ParaIo.Load.Reporting;

/// <summary>What one target did in one block job's measured window.</summary>
/// <param name="Iops">I/Os completed per second.</param>
/// <param name="MegabytesPerSecond">Payload bytes per second, in 10^6 bytes.</param>
/// <param name="P50Us">Median completion latency, µs (fio's clat: from submission to completion).</param>
/// <param name="P99Us">99th percentile of the same, µs.</param>
/// <param name="Operations">I/Os completed in the window.</param>
/// <param name="Seconds">Length of the measured window.</param>
internal sealed record BlockFigures(double Iops, double MegabytesPerSecond, double P50Us, double P99Us, long Operations, double Seconds);
