namespace ParaIo.Backend.Bridge;

/// <summary>
/// A port's 802.1Q membership: an access port carries one VLAN untagged; a trunk port carries a
/// set of VLANs tagged, and optionally one native VLAN untagged.
/// </summary>
public sealed class VlanConfig
{
    /// <summary>The 802.1Q tag protocol identifier (TPID).</summary>
    public const ushort TagProtocol = 0x8100;

    /// <summary>The default VLAN of an access port.</summary>
    public const int DefaultVlan = 1;

    /// <summary>The highest usable VLAN id (4095 is reserved).</summary>
    public const int MaxVlan = 4094;

    private readonly bool[] _allowed = new bool[MaxVlan + 1];

    private VlanConfig(bool trunk, int accessVlan, int nativeVlan, IEnumerable<int> allowed)
    {
        IsTrunk = trunk;
        AccessVlan = accessVlan;
        NativeVlan = nativeVlan;
        foreach (var vlan in allowed)
        {
            CheckVlan(vlan, nameof(allowed));
            _allowed[vlan] = true;
        }

        if (nativeVlan != 0)
        {
            _allowed[nativeVlan] = true;
        }

        Vlans = Enumerable.Range(1, MaxVlan).Where(v => _allowed[v]).ToArray();
    }

    /// <summary>True for a trunk port.</summary>
    public bool IsTrunk { get; }

    /// <summary>An access port's VLAN; 0 for a trunk.</summary>
    public int AccessVlan { get; }

    /// <summary>A trunk's untagged VLAN, or 0 when untagged frames are dropped.</summary>
    public int NativeVlan { get; }

    /// <summary>The VLANs the port carries, ascending.</summary>
    public IReadOnlyList<int> Vlans { get; }

    /// <summary>An access port on <paramref name="vlan"/>.</summary>
    public static VlanConfig Access(int vlan = DefaultVlan)
    {
        CheckVlan(vlan, nameof(vlan));
        return new VlanConfig(false, vlan, 0, [vlan]);
    }

    /// <summary>A trunk carrying <paramref name="vlans"/> tagged, and <paramref name="nativeVlan"/> (if not 0) untagged.</summary>
    public static VlanConfig Trunk(IEnumerable<int> vlans, int nativeVlan = 0)
    {
        ArgumentNullException.ThrowIfNull(vlans);
        if (nativeVlan != 0)
        {
            CheckVlan(nativeVlan, nameof(nativeVlan));
        }

        return new VlanConfig(true, 0, nativeVlan, vlans);
    }

    /// <summary>True when the port carries <paramref name="vlan"/>.</summary>
    public bool Carries(int vlan) => (uint)vlan < (uint)_allowed.Length && _allowed[vlan];

    /// <inheritdoc />
    public override string ToString() => IsTrunk
        ? $"trunk {string.Join(',', Vlans)}" + (NativeVlan != 0 ? $" native {NativeVlan}" : string.Empty)
        : $"access {AccessVlan}";

    private static void CheckVlan(int vlan, string name)
    {
        if (vlan is < 1 or > MaxVlan)
        {
            throw new ArgumentOutOfRangeException(name, vlan, $"A VLAN id is 1..{MaxVlan}.");
        }
    }
}
