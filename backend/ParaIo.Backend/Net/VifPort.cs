using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Net;

/// <summary>A vif's port on its bridge: frames in from the tx threads, frames out to the rx rings.</summary>
internal sealed class VifPort : BridgePort
{
    private readonly NetBackendDevice _device;

    public VifPort(NetBackendDevice device, string name, VlanConfig vlan)
        : base(name, vlan)
    {
        _device = device;
    }

    public override bool Transmit(in EgressFrame frame) => _device.Receive(frame);

    public bool ForwardFrame(EthernetFrame frame) => Forward(frame);
}
