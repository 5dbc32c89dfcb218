namespace ParaIo.Load.Reporting;

/// <summary>
/// One line of the comparison: a metric of a scenario for ParaIo, the socket, and the eventfd or
/// bare shared-memory limit, with the ratios and the target when it has one.
/// </summary>
internal sealed record ReportRow(
    string Metric,
    string Unit,
    bool LowerIsBetter,
    double ParaIo,
    double Socket,
    double? Limit,
    string? LimitName,
    string? Target,
    bool? Met)
{
    /// <summary>ParaIo divided by the socket: below 1 is better for latencies, above 1 for rates.</summary>
    public double ParaIoOverSocket => ParaIo / Socket;

    /// <summary>ParaIo divided by the eventfd or shared-memory limit.</summary>
    public double? ParaIoOverLimit => Limit is { } limit ? ParaIo / limit : null;
}
