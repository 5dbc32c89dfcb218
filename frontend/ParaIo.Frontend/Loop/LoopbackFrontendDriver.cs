using System.Globalization;
using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Loop;
using ParaIo.Store.Xenbus;

namespace ParaIo.Frontend.Loop;

/// <summary>The frontend of the loopback test device: one ring of one page.</summary>
public sealed class LoopbackFrontendDriver : IFrontendDriver
{
    /// <inheritdoc />
    public string DeviceType => LoopProtocol.DeviceType;

    /// <inheritdoc />
    public IFrontendDevice Connect(FrontendConnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var queue = context.Memory.CreateQueue<LoopRequest, LoopResponse>(backendDomain: 0, pageOrder: 0);
        var keys = new Dictionary<string, string>
        {
            [XenbusPaths.RingRef(0, 0)] = queue.Offer.RingRefs[0].ToString(),
            [XenbusPaths.EventChannel] = queue.Offer.RequestPort.ToString(CultureInfo.InvariantCulture),
            [XenbusPaths.EventChannelResponse] = queue.Offer.ResponsePort.ToString(CultureInfo.InvariantCulture),
        };
        return new LoopbackFrontendDevice(queue, keys);
    }
}
