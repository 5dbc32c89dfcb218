using System.Globalization;
using ParaIo.Backend.Devices;
using ParaIo.Protocol.Loop;
using ParaIo.RingBuffer.Handoff;
using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Loop;

/// <summary>
/// The backend of the loopback test device: answers every request on its ring. It carries the
/// handshake end to end (features, ring, ports, Connected) with no real I/O behind it.
/// </summary>
public sealed class LoopbackBackendDriver : IBackendDriver
{
    /// <summary>Largest ring the backend maps for this device.</summary>
    public const int MaxRingPageOrder = 2;

    /// <inheritdoc />
    public string DeviceType => LoopProtocol.DeviceType;

    /// <summary>The keys every loop device's backend directory holds.</summary>
    public IReadOnlyDictionary<string, string> Features { get; } = new Dictionary<string, string>
    {
        [XenbusPaths.MaxRingPageOrder] = MaxRingPageOrder.ToString(CultureInfo.InvariantCulture),
    };

    /// <inheritdoc />
    public void ValidateSettings(IReadOnlyDictionary<string, string> settings) => DeviceSettings.AllowOnly(DeviceType, settings);

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> BackendKeys(DeviceAddress address, IReadOnlyDictionary<string, string> settings) => Features;

    /// <inheritdoc />
    public Task<IBackendDevice> ConnectAsync(BackendConnectContext context, CancellationToken cancellationToken)
    {
        var offer = context.Frontend.GetRingOffer(MaxRingPageOrder);
        var queue = BackQueue<LoopRequest, LoopResponse>.Connect(context.Mapper, offer);
        return Task.FromResult<IBackendDevice>(new LoopbackBackendDevice(queue, context));
    }
}
