namespace ParaIo.Backend.Bridge;

/// <summary>
/// One port of a <see cref="SoftwareBridge"/>: a vif, a TAP uplink, a loop or test port. The port
/// brings frames in with <see cref="Forward"/> from its own thread, and the bridge hands it
/// frames with <see cref="Transmit"/> on the thread of whichever port they came from.
/// </summary>
public abstract class BridgePort
{
    private volatile SoftwareBridge? _bridge;
    private volatile VlanConfig _vlan;

    /// <summary>Creates a port; it joins a bridge with <see cref="SoftwareBridge.AddPort"/>.</summary>
    protected BridgePort(string name, VlanConfig? vlan = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _vlan = vlan ?? VlanConfig.Access();
    }

    /// <summary>The port's name (a vif's <c>vifD.N</c>, a TAP's interface name).</summary>
    public string Name { get; }

    /// <summary>The port's VLAN membership; may be changed while it forwards.</summary>
    public VlanConfig Vlan
    {
        get => _vlan;
        set => _vlan = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The port's counters.</summary>
    public BridgePortCounters Counters { get; } = new();

    /// <summary>The bridge the port is on, or null.</summary>
    public SoftwareBridge? Bridge => _bridge;

    /// <summary>
    /// Sends a frame out of the port: copy it now (it is valid only during the call) or drop it.
    /// Called on other ports' threads, possibly several at once. Returns false when dropped.
    /// </summary>
    public abstract bool Transmit(in EgressFrame frame);

    /// <summary>Brings a frame into the bridge; returns false when the port is on no bridge.</summary>
    protected bool Forward(EthernetFrame frame)
    {
        var bridge = _bridge;
        if (bridge is null)
        {
            return false;
        }

        bridge.Forward(this, frame);
        return true;
    }

    internal void Attach(SoftwareBridge bridge) => _bridge = bridge;

    internal void Detach() => _bridge = null;

    /// <inheritdoc />
    public override string ToString() => Name;
}
