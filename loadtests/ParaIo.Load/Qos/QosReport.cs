using ParaIo.Load.Reporting;

namespace ParaIo.Load.Qos;

/// <summary>Everything <c>paraio-load qos</c> measured, for the table, <c>--json</c> and the plot.</summary>
internal sealed record QosReport(
    string Tool,
    DateTimeOffset StartedAt,
    RunEnvironment Environment,
    double PhaseSeconds,
    double SettleSeconds,
    double SampleMilliseconds,
    string IperfVersion,
    IReadOnlyList<QosScenarioResult> Scenarios);

/// <summary>One scenario: its phases' figures and every flow's rate over time.</summary>
internal sealed record QosScenarioResult(string Name, string Description, IReadOnlyList<QosPhaseResult> Phases, IReadOnlyList<QosSeries> Series);

/// <summary>A phase (seconds from the scenario's start) and its rows: the flows that sent, then their total.</summary>
internal sealed record QosPhaseResult(string Name, double StartSeconds, double EndSeconds, IReadOnlyList<QosRateRow> Rows);

/// <summary>
/// A flow (or the total) in a phase: its guarantee, the rate the scheduler should give it, the
/// rate achieved over the phase's steady part, and the error of that against the expected rate.
/// </summary>
internal sealed record QosRateRow(string Subject, double ConfiguredMbps, double ExpectedMbps, double AchievedMbps, double ErrorPercent);

/// <summary>A flow's (or the total's) rate between consecutive samples.</summary>
internal sealed record QosSeries(string Label, IReadOnlyList<QosPoint> Points);

/// <summary>A rate at the end of a sampling interval.</summary>
internal sealed record QosPoint(double Seconds, double Mbps);
