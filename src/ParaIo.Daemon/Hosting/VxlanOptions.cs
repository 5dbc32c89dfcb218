using ParaIo.Backend.Bridge;
using ParaIo.Backend.Uplinks;

namespace ParaIo.Daemon.Hosting;

/// <summary>The <c>Vxlan</c> section of an <see cref="UplinkOptions"/>: a VXLAN tunnel to one remote VTEP.</summary>
public sealed class VxlanOptions
{
    /// <summary>The port's name on the bridge; <c>vxlan</c> and the VNI (<c>vxlan42</c>) when null or empty.</summary>
    public string? Name { get; set; }

    /// <summary>The VXLAN network identifier, 0..16777215.</summary>
    public int Vni { get; set; }

    /// <summary>The remote VTEP, <c>ADDRESS[:PORT]</c> or <c>[IPv6][:PORT]</c>; the port is 4789 when left out.</summary>
    public string Remote { get; set; } = "";

    /// <summary>The local endpoint to bind, in the same form; the wildcard address on port 4789 when null or empty.</summary>
    public string? Local { get; set; }

    /// <summary>The port's options, with the uplink's <paramref name="vlan"/> and inner <paramref name="mtu"/>.</summary>
    /// <exception cref="ArgumentException">An endpoint does not parse or a value is out of range.</exception>
    public VxlanUplinkOptions ToPortOptions(VlanConfig vlan, int? mtu)
    {
        var options = new VxlanUplinkOptions
        {
            Name = string.IsNullOrEmpty(Name) ? $"vxlan{Vni}" : Name,
            Vni = Vni,
            Remote = VxlanUplinkOptions.ParseEndPoint(Remote, VxlanHeader.DefaultPort, "remote VTEP"),
            Local = string.IsNullOrEmpty(Local) ? null : VxlanUplinkOptions.ParseEndPoint(Local, VxlanHeader.DefaultPort, "local endpoint"),
            Vlan = vlan,
            Mtu = mtu ?? 1500,
        };
        options.Validate();
        return options;
    }
}
