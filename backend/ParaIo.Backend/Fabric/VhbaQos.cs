using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>A vHBA's service level on its port.</summary>
/// <param name="CommittedRate">Guaranteed bandwidth in bytes a second, counted against the port's line rate; 0 is best effort.</param>
/// <param name="BandwidthLimit">Its bandwidth limit in bytes a second; null for none (the line rate).</param>
/// <param name="IopsLimit">Its limit in operations (requests) a second; null for none.</param>
/// <param name="Priority">0 (highest) to 7: who gets the port's spare first.</param>
public sealed record VhbaQos(long CommittedRate, long? BandwidthLimit, long? IopsLimit, int Priority)
{
    /// <summary>Throws unless the values are in range.</summary>
    /// <exception cref="ArgumentException">What is wrong, with the figures.</exception>
    public void Validate(string vhba)
    {
        if (CommittedRate < 0)
        {
            throw new ArgumentException($"vHBA '{vhba}': its committed rate is not negative.");
        }

        if (BandwidthLimit is { } limit && limit < Math.Max(1, CommittedRate))
        {
            throw new ArgumentException($"vHBA '{vhba}': its bandwidth limit {BitRate.Format(limit)} is below its committed {BitRate.Format(CommittedRate)} (or zero).");
        }

        if (IopsLimit is <= 0)
        {
            throw new ArgumentException($"vHBA '{vhba}': an IOPS limit is at least 1.");
        }

        if ((uint)Priority > QosSettings.LowestPriority)
        {
            throw new ArgumentException($"vHBA '{vhba}': priority {Priority} is not in 0 (highest)..7.");
        }
    }

    /// <summary>The settings of the vHBA's flow in its port's scheduler.</summary>
    public QosSettings ToSettings() => new() { CommittedRate = CommittedRate, Ceiling = BandwidthLimit, OpsLimit = IopsLimit, Priority = Priority };
}
