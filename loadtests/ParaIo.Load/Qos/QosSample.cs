namespace ParaIo.Load.Qos;

/// <summary>One reading of paraiod's egress counters: seconds since the scenario began and the bytes each flow has sent so far.</summary>
internal sealed record QosSample(double Seconds, IReadOnlyList<long> Bytes);
