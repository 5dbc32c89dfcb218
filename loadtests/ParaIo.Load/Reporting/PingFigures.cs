namespace ParaIo.Load.Reporting;

/// <summary>ICMP echo round trips, from ping's per-reply times.</summary>
/// <param name="P50Us">Median round trip, µs.</param>
/// <param name="AvgUs">Mean round trip, µs.</param>
/// <param name="MinUs">Shortest, µs.</param>
/// <param name="MaxUs">Longest, µs.</param>
/// <param name="Sent">Echo requests sent.</param>
/// <param name="Received">Replies received.</param>
/// <param name="IntervalMs">Milliseconds between requests.</param>
internal sealed record PingFigures(double P50Us, double AvgUs, double MinUs, double MaxUs, int Sent, int Received, double IntervalMs);
