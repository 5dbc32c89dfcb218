namespace ParaIo.Backend.Fabric;

/// <summary>Where new identities come from: a locally administered MAC prefix and a WWPN prefix.</summary>
/// <param name="MacPrefix">The vNICs' MAC prefix, 1..5 octets with the locally administered bit set and the group bit clear (<c>02:50:10</c>).</param>
/// <param name="WwpnPrefix">The vHBAs' WWPN prefix, 1..7 octets (<c>50:01:43:80</c>).</param>
public sealed record IdentityPolicy(string MacPrefix, string WwpnPrefix)
{
    /// <summary>The prefixes paraiod uses when the configuration names none.</summary>
    public static IdentityPolicy Default { get; } = new("02:50:10", "50:01:43:80");

    /// <summary>A pool for vNIC MACs.</summary>
    /// <exception cref="ArgumentException">The prefix is malformed, multicast or globally administered.</exception>
    public IdentityPool CreateMacPool()
    {
        var pool = new IdentityPool("MAC", MacPrefix, 48);
        var first = (byte)(pool.Prefix >> 40);
        if ((first & 0x02) == 0 || (first & 0x01) != 0)
        {
            throw new ArgumentException($"The MAC pool prefix {MacPrefix} must be locally administered and unicast: its first octet has bit 1 set and bit 0 clear (02, 06, 0a, …).");
        }

        return pool;
    }

    /// <summary>A pool for vHBA WWPNs.</summary>
    /// <exception cref="ArgumentException">The prefix is malformed.</exception>
    public IdentityPool CreateWwpnPool() => new("WWPN", WwpnPrefix, 64);
}
