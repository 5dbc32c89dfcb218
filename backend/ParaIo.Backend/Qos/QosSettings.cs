namespace ParaIo.Backend.Qos;

/// <summary>
/// The service level of one node of a <see cref="PortScheduler"/>: a vNIC or vHBA (a flow), or a
/// traffic class inside a vNIC. Rates are in bytes a second, bursts in bytes.
/// </summary>
public readonly record struct QosSettings
{
    /// <summary>Highest priority.</summary>
    public const int HighestPriority = 0;

    /// <summary>Lowest priority.</summary>
    public const int LowestPriority = 7;

    /// <summary>
    /// The guaranteed rate (HTB's "rate"): the node may always send this much while its parent can;
    /// 0 makes it best-effort. A class's committed rate is its guaranteed share of its flow.
    /// </summary>
    public long CommittedRate { get; init; }

    /// <summary>
    /// The hard limit (HTB's "ceil"), at least <see cref="CommittedRate"/>; null means no limit of
    /// its own, so the node may borrow up to what its parent (and the line rate) allows.
    /// </summary>
    public long? Ceiling { get; init; }

    /// <summary>Bytes the node may send at once above its rates after an idle spell; 0 picks the port's default.</summary>
    public long Burst { get; init; }

    /// <summary>0 (<see cref="HighestPriority"/>) to 7 (<see cref="LowestPriority"/>), as in Linux HTB: lower is served first.</summary>
    public int Priority { get; init; }

    /// <summary>Operations a second the node may not exceed (a vHBA's IOPS limit); null means none.</summary>
    public long? OpsLimit { get; init; }

    /// <summary>Operations the node may issue at once after an idle spell; 0 picks the port's default.</summary>
    public long OpsBurst { get; init; }

    /// <summary>Throws if a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(CommittedRate);
        if (Ceiling is { } ceiling && ceiling < CommittedRate)
        {
            throw new ArgumentOutOfRangeException(nameof(Ceiling), ceiling, "The ceiling must be at least the committed rate.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Burst);
        if ((uint)Priority > LowestPriority)
        {
            throw new ArgumentOutOfRangeException(nameof(Priority), Priority, "Priorities run from 0 (highest) to 7 (lowest).");
        }

        if (OpsLimit is { } ops)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(ops, nameof(OpsLimit));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(OpsBurst);
    }
}
