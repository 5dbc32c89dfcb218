namespace ParaIo.Daemon.Hosting;

/// <summary>
/// One uplink of a <see cref="BridgeOptions"/>: a TAP interface (<see cref="Tap"/>) or a VXLAN tunnel
/// (<see cref="Vxlan"/>) the bridge leaves the backend through; exactly one of the two is set.
/// </summary>
public sealed class UplinkOptions
{
    /// <summary>The TAP's name (<c>ptap0</c>); a persistent TAP of that name is attached, else one is created.</summary>
    public string Tap { get; set; } = "";

    /// <summary>A VXLAN tunnel instead of a TAP: its VNI, remote VTEP and local endpoint.</summary>
    public VxlanOptions? Vxlan { get; set; }

    /// <summary>The named network namespace to open the TAP in (<c>ip netns add NAME</c>); paraiod's own when null or empty.</summary>
    public string? Namespace { get; set; }

    /// <summary>The port's access VLAN; 1 when null.</summary>
    public int? Vlan { get; set; }

    /// <summary>The TAP's MTU (the kernel's default when null), or the VXLAN tunnel's inner MTU (1500 when null).</summary>
    public int? Mtu { get; set; }
}
