namespace ParaIo.Load.Reporting;

/// <summary>One target of one block job: its figures, or why it could not be measured.</summary>
/// <param name="Target">"paraio", "nbdkit", "file" or "library".</param>
/// <param name="How">The path the I/O took, and fio's engine where fio drove it.</param>
/// <param name="Figures">What it measured; null when the target was unavailable.</param>
/// <param name="Unavailable">Why it was not measured (its setup or its run failed); null when it was.</param>
internal sealed record BlockTargetResult(string Target, string How, BlockFigures? Figures, string? Unavailable)
{
    /// <summary>This target's IOPS divided by nbdkit's in the same job (above 1 is better).</summary>
    public double? IopsOverNbdkit { get; init; }

    /// <summary>This target's IOPS divided by the file's in the same job.</summary>
    public double? IopsOverFile { get; init; }

    /// <summary>This target's median latency divided by nbdkit's (below 1 is better).</summary>
    public double? P50OverNbdkit { get; init; }

    /// <summary>
    /// Cores that processes outside this run kept busy on average while the row was measured
    /// (from /proc: the machine's busy time less this process, its children and theirs). Above
    /// a tenth of a core the row is noisy.
    /// </summary>
    public double? BackgroundCores { get; init; }

    /// <summary>The IOPS of every round, in the order they ran, when the job ran more than once; the row's figures are the median round's.</summary>
    public IReadOnlyList<double>? RoundIops { get; init; }

    /// <summary>The target set for this row, in words; null when there is none.</summary>
    public string? Goal { get; init; }

    /// <summary>Whether the row met <see cref="Goal"/>; null when there is none or a figure it needs is missing.</summary>
    public bool? Met { get; init; }
}
