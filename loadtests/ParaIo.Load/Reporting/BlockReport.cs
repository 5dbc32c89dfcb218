namespace ParaIo.Load.Reporting;

/// <summary>The whole result of <c>paraio-load blk</c>: what the table shows and the JSON carries.</summary>
/// <param name="Tool">"paraio-load blk".</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="Environment">The machine and runtime.</param>
/// <param name="DurationSeconds">Measured seconds per job and target.</param>
/// <param name="RampSeconds">Seconds each job ran before measuring started (not counted).</param>
/// <param name="ImageBytes">Size of the disk image every target served.</param>
/// <param name="FioVersion">fio's version line.</param>
/// <param name="NbdkitVersion">nbdkit's version line.</param>
/// <param name="Fairness">What was done to treat the targets alike, one point a line.</param>
/// <param name="Jobs">Every job run, with every target.</param>
internal sealed record BlockReport(
    string Tool,
    DateTimeOffset StartedAt,
    RunEnvironment Environment,
    double DurationSeconds,
    double RampSeconds,
    long ImageBytes,
    string FioVersion,
    string NbdkitVersion,
    IReadOnlyList<string> Fairness,
    IReadOnlyList<BlockJobResult> Jobs)
{
    /// <summary>How many times each job ran on each target; a row shows the round with the median IOPS.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>True when no row with a target missed it (rows not measured count as not missed).</summary>
    public bool AllTargetsMet => Jobs.SelectMany(j => j.Targets).All(t => t.Met != false);
}
