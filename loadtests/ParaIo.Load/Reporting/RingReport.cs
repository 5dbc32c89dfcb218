namespace ParaIo.Load.Reporting;

/// <summary>The whole result of <c>paraio-load ring</c>: what the table shows and the JSON carries.</summary>
internal sealed record RingReport(
    string Tool,
    DateTimeOffset StartedAt,
    RunEnvironment Environment,
    double WarmupSeconds,
    double DurationSeconds,
    IReadOnlyList<ScenarioResult> Scenarios)
{
    /// <summary>True when no row with a target missed it.</summary>
    public bool AllTargetsMet => Scenarios.SelectMany(s => s.Rows).All(r => r.Met != false);
}
