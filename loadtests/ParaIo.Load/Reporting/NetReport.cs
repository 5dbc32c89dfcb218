namespace ParaIo.Load.Reporting;

/// <summary>The whole result of <c>paraio-load net</c>: what the table shows and the JSON carries.</summary>
/// <param name="Tool">"paraio-load net".</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="Environment">The machine and runtime.</param>
/// <param name="DurationSeconds">Measured seconds of each iperf3 run and of library mode.</param>
/// <param name="IperfVersion">iperf3's version line, or why it is missing.</param>
/// <param name="PingVersion">ping's version line, or why it is missing.</param>
/// <param name="Root">Whether the run had root (needed for namespaces, TAP and veth).</param>
/// <param name="Fairness">What was done to treat the paths alike, one point a line.</param>
/// <param name="Rows">Every measurement.</param>
internal sealed record NetReport(
    string Tool,
    DateTimeOffset StartedAt,
    RunEnvironment Environment,
    double DurationSeconds,
    string IperfVersion,
    string PingVersion,
    bool Root,
    IReadOnlyList<string> Fairness,
    IReadOnlyList<NetRow> Rows);
