using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>A vNIC's service level: what it is guaranteed on its port, its limit, and its traffic classes.</summary>
/// <param name="CommittedRate">The guaranteed rate in bytes a second, counted against the port's line rate; 0 is best effort.</param>
/// <param name="Burst">Bytes it may send at once after idling; 0 picks the port's default.</param>
/// <param name="Priority">0 (highest) to 7: who gets the port's spare first.</param>
/// <param name="Ceiling">Its hard limit in bytes a second; null for none (the line rate).</param>
/// <param name="Classes">Its traffic classes, in match order; empty for none.</param>
public sealed record VnicQos(long CommittedRate, long Burst, int Priority, long? Ceiling, IReadOnlyList<TrafficClass> Classes)
{
    /// <summary>Classes a vNIC has at most.</summary>
    public const int MaxClasses = 8;

    /// <summary>
    /// Throws unless the values are in range, class names are unique, and the classes'
    /// commitments fit in the vNIC's committed rate (or its ceiling when it is best effort).
    /// </summary>
    /// <exception cref="ArgumentException">What is wrong, with the figures.</exception>
    public void Validate(string vnic)
    {
        if (CommittedRate < 0 || Burst < 0)
        {
            throw new ArgumentException($"vNIC '{vnic}': rates and bursts are not negative.");
        }

        if (Ceiling is { } ceiling && ceiling < CommittedRate)
        {
            throw new ArgumentException($"vNIC '{vnic}': its ceiling {BitRate.Format(ceiling)} is below its committed {BitRate.Format(CommittedRate)}.");
        }

        if ((uint)Priority > QosSettings.LowestPriority)
        {
            throw new ArgumentException($"vNIC '{vnic}': priority {Priority} is not in 0 (highest)..7.");
        }

        if (Classes.Count > MaxClasses)
        {
            throw new ArgumentException($"vNIC '{vnic}' has {Classes.Count} traffic classes; at most {MaxClasses}.");
        }

        foreach (var cls in Classes)
        {
            cls.Validate();
        }

        if (Classes.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"vNIC '{vnic}' has two classes named '{twice.Key}' (class names are unique ignoring case).");
        }

        var classes = Classes.Sum(c => c.CommittedRate);
        var room = CommittedRate > 0 ? CommittedRate : Ceiling;
        if (room is { } available && classes > available)
        {
            throw new ArgumentException(
                $"vNIC '{vnic}': its classes commit {BitRate.Format(classes)}, more than the {BitRate.Format(available)} the vNIC {(CommittedRate > 0 ? "is committed" : "may send")}.");
        }
    }

    /// <summary>The settings of the vNIC's flow in its port's scheduler.</summary>
    public QosSettings ToSettings() => new() { CommittedRate = CommittedRate, Burst = Burst, Priority = Priority, Ceiling = Ceiling };
}
