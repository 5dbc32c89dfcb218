namespace ParaIo.Backend.Qos;

/// <summary>
/// A traffic class of a vNIC: a guaranteed share of the vNIC's egress, an optional ceiling, a
/// priority among the vNIC's classes, and the TCP/UDP ports whose frames belong to it. Rates are
/// bytes a second.
/// </summary>
/// <param name="Name">The class's name, unique in its vNIC (compared ignoring case). <c>default</c> names the class of unmatched frames.</param>
/// <param name="CommittedRate">The guaranteed share in bytes a second; 0 makes the class best effort.</param>
/// <param name="Ceiling">The most the class may send, in bytes a second, at least <paramref name="CommittedRate"/>; null: only the vNIC's limits apply.</param>
/// <param name="Priority">0 (highest) to 7 (lowest): who borrows the vNIC's idle share first.</param>
/// <param name="Rules">The ports the class matches; a rule's <see cref="TrafficClassRule.ClassIndex"/> is ignored (the rule belongs to this class).</param>
public sealed record TrafficClassSpec(string Name, long CommittedRate, long? Ceiling, int Priority, IReadOnlyList<TrafficClassRule> Rules)
{
    /// <summary>The name of the class that takes the frames no rule matches.</summary>
    public const string DefaultClassName = "default";
}
