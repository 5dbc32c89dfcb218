using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// A bridge port that leaves the backend: a <see cref="TapUplinkPort"/> into a Linux network stack
/// or a <see cref="VxlanUplinkPort"/> through a tunnel. <see cref="BridgeUplinks"/> opens one, puts
/// it on its bridge, starts it, and disposes it when it is removed.
/// </summary>
public abstract class UplinkPort : BridgePort, IDisposable
{
    /// <summary>Creates an uplink port; it joins a bridge with <see cref="SoftwareBridge.AddPort"/>.</summary>
    protected UplinkPort(string name, VlanConfig? vlan)
        : base(name, vlan)
    {
    }

    /// <summary>Starts the thread that brings frames from outside into the bridge (once); call it when the port is on a bridge.</summary>
    public abstract void Start();

    /// <summary>Leaves the bridge, ends the receiving thread and closes what the port opened.</summary>
    public abstract void Dispose();
}
