using ParaIo.Backend.Bridge;
using ParaIo.Tap.Devices;

namespace ParaIo.Backend.Uplinks;

/// <summary>How to open a <see cref="TapUplinkPort"/>.</summary>
public sealed class TapUplinkOptions
{
    /// <summary>The TAP interface's name (<c>ptap0</c>, or a template such as <c>ptap%d</c>); an existing persistent TAP of that name is attached.</summary>
    public required string Tap { get; init; }

    /// <summary>The named network namespace the TAP lives in; null for paraiod's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The port's VLAN membership; access VLAN 1 when null.</summary>
    public VlanConfig? Vlan { get; init; }

    /// <summary>What the kernel may hand the uplink unfinished; checksum and TSO by default, as a vif takes them.</summary>
    public TapOffloads Offloads { get; init; } = TapOffloads.Standard;

    /// <summary>The TAP's MTU; the kernel's default (1500) when null.</summary>
    public int? Mtu { get; init; }
}
