namespace ParaIo.Load.Measurement;

/// <summary>A round-trip distribution, whole and split by placement.</summary>
/// <param name="All">Every round trip.</param>
/// <param name="SameCpu">Round trips that ended with both sides on one vCPU.</param>
/// <param name="CrossCpu">Round trips that ended with the sides on different vCPUs.</param>
/// <param name="SameCpuShare">The share of round trips on one vCPU.</param>
internal sealed record PlacedLatency(LatencyFigures All, LatencyFigures SameCpu, LatencyFigures CrossCpu, double SameCpuShare);
