namespace ParaIo.Load.Reporting;

/// <summary>One scenario's figures: every transport measured, and the rows of the comparison.</summary>
/// <param name="Name">The scenario's name on the command line.</param>
/// <param name="Measures">What it measures.</param>
/// <param name="Transports">Full figures of each transport.</param>
/// <param name="Rows">The comparison as it appears in the table.</param>
internal sealed record ScenarioResult(string Name, string Measures, IReadOnlyList<TransportFigures> Transports, IReadOnlyList<ReportRow> Rows)
{
    /// <summary>Cores other processes on the machine kept busy on average while the scenario ran (noise).</summary>
    public double BackgroundCores { get; init; }

    /// <summary>Cores the hypervisor took away on average while the scenario ran (steal time).</summary>
    public double StolenCores { get; init; }

    /// <summary>
    /// Bytes this process allocated during the whole scenario, setup included: mostly its
    /// HdrHistograms (~200 KB each, allocated once). Millions of requests against this total show
    /// that the measured loops allocate nothing per request.
    /// </summary>
    public long ParentAllocatedBytes { get; init; }

    /// <summary>Gen-0 collections in this process during the scenario.</summary>
    public int ParentGen0Collections { get; init; }
}
