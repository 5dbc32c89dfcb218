using System.Globalization;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Backend.Net;

/// <summary>
/// The backend of virtual network interfaces (<c>vif</c>, Xen's netback): connects each device's
/// tx/rx queue pairs and puts its port on the bridge its settings name.
/// </summary>
/// <remarks>
/// Settings (<see cref="VifSettings"/>): <c>mac=</c>, <c>bridge=</c> (default <c>br0</c>),
/// <c>mtu=</c>, <c>vlan=</c>, or <c>vnic=</c> in place of <c>mac=</c> and <c>bridge=</c>: the vif then
/// takes the vNIC's MAC and bridge from the <see cref="IVnicDirectory"/>, and what the guest
/// transmits goes through the vNIC's <see cref="VnicBinding.Egress"/> shaper (what it receives is
/// not shaped). The frontend must ask for rx copy (<c>request-rx-copy=1</c>); it may set up to
/// <see cref="NetBackendOptions.MaxQueues"/> queue pairs.
/// </remarks>
public sealed class NetBackendDriver : IBackendDriver
{
    private readonly BridgeTable _bridges;
    private readonly NetBackendOptions _options;
    private readonly IVnicDirectory? _vnics;

    /// <summary>Creates the driver; vifs join bridges of <paramref name="bridges"/>.</summary>
    /// <param name="bridges">The bridges vifs join.</param>
    /// <param name="options">Limits and tuning; defaults when null.</param>
    /// <param name="vnics">The vNICs vifs may be bound to with <c>vnic=</c>; null refuses the setting.</param>
    public NetBackendDriver(BridgeTable bridges, NetBackendOptions? options = null, IVnicDirectory? vnics = null)
    {
        ArgumentNullException.ThrowIfNull(bridges);
        _bridges = bridges;
        _vnics = vnics;
        _options = options ?? new NetBackendOptions();
        _options.Validate();
        var gso = _options.Gso ? "1" : "0";
        Features = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NetKeys.FeatureSg] = "1",
            [NetKeys.FeatureGsoTcpV4] = gso,
            [NetKeys.FeatureGsoTcpV6] = gso,
            [NetKeys.FeatureRxCopy] = "1",
            [NetKeys.FeatureRxFlip] = "0",
            [NetKeys.FeatureSplitEventChannels] = "1",
            [NetKeys.FeaturePersistent] = "1",
            [NetKeys.MultiQueueMaxQueues] = Format(_options.MaxQueues),
        };
    }

    /// <inheritdoc />
    public string DeviceType => NetifProtocol.DeviceType;

    /// <summary>The keys every vif advertises.</summary>
    public IReadOnlyDictionary<string, string> Features { get; }

    /// <summary>The bridges vifs join.</summary>
    public BridgeTable Bridges => _bridges;

    /// <summary>The options in effect.</summary>
    public NetBackendOptions Options => _options;

    /// <summary>Every backend key of one device: <see cref="Features"/>, <c>mac</c> and <c>mtu</c>.</summary>
    public IReadOnlyDictionary<string, string> DeviceKeys(VifSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new Dictionary<string, string>(Features, StringComparer.Ordinal)
        {
            [NetKeys.Mac] = settings.Mac.ToString(),
            [NetKeys.Mtu] = Format(settings.Mtu),
        };
    }

    /// <inheritdoc />
    /// <remarks>A <c>vnic=</c> is checked against the directory only when the device connects: the vNIC may be created after the device.</remarks>
    public void ValidateSettings(IReadOnlyDictionary<string, string> settings)
    {
        var parsed = VifSettings.Parse(new DeviceAddress(0, DeviceType, 0), settings);
        if (parsed.Vnic is { } vnic && _vnics is null)
        {
            throw new ArgumentException($"vnic={vnic}: this backend has no vNIC fabric; give mac= and bridge= instead.");
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> BackendKeys(DeviceAddress address, IReadOnlyDictionary<string, string> settings) =>
        DeviceKeys(Bind(VifSettings.Parse(address, settings)).Settings);

    /// <inheritdoc />
    public Task<IBackendDevice> ConnectAsync(BackendConnectContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult<IBackendDevice>(Connect(context));
    }

    /// <summary>As <see cref="ConnectAsync"/>, typed and synchronous.</summary>
    public NetBackendDevice Connect(BackendConnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        VifSettings settings;
        try
        {
            settings = VifSettings.Parse(context.Address, context.Settings);
        }
        catch (ArgumentException e)
        {
            throw new DeviceRejectedException(e.Message, e);
        }

        (settings, var binding) = Bind(settings);

        var keys = context.Frontend;
        if (keys.GetUInt(NetKeys.RequestRxCopy, 0, 1) != 1)
        {
            throw new DeviceRejectedException("the frontend did not ask for rx copy (request-rx-copy=1); ParaIo does not flip pages");
        }

        var features = new VifFeatures(
            Flag(keys, NetKeys.FeatureSg),
            _options.Gso && Flag(keys, NetKeys.FeatureGsoTcpV4),
            _options.Gso && Flag(keys, NetKeys.FeatureGsoTcpV6),
            Flag(keys, NetKeys.FeaturePersistent));
        var count = keys[NetKeys.MultiQueueNumQueues] is null ? 1 : (int)keys.GetUInt(NetKeys.MultiQueueNumQueues, 1, (uint)_options.MaxQueues);
        var queues = new List<(BackQueue<NetifTxRequest, NetifTxResponse>, BackQueue<NetifRxRequest, NetifRxResponse>)>();
        try
        {
            for (var q = 0; q < count; q++)
            {
                var tx = BackQueue<NetifTxRequest, NetifTxResponse>.Connect(context.Mapper, Offer(keys, q, count, NetKeys.TxRingRef, NetKeys.TxEventChannel, NetKeys.TxEventChannelResponse));
                try
                {
                    var rx = BackQueue<NetifRxRequest, NetifRxResponse>.Connect(context.Mapper, Offer(keys, q, count, NetKeys.RxRingRef, NetKeys.RxEventChannel, NetKeys.RxEventChannelResponse));
                    queues.Add((tx, rx));
                }
                catch
                {
                    tx.Dispose();
                    throw;
                }
            }

            var bridge = _bridges.GetOrCreate(settings.Bridge);
            return new NetBackendDevice(context, settings, features, bridge, queues, _options, binding?.Egress);
        }
        catch
        {
            foreach (var (tx, rx) in queues)
            {
                tx.Dispose();
                rx.Dispose();
            }

            throw;
        }
    }

    /// <summary>For a vif bound to a vNIC: its settings with the vNIC's MAC and bridge, and the binding.</summary>
    /// <exception cref="DeviceRejectedException">There is no such vNIC (or no directory to find it in).</exception>
    private (VifSettings Settings, VnicBinding? Binding) Bind(VifSettings settings)
    {
        if (settings.Vnic is not { } name)
        {
            return (settings, null);
        }

        if (_vnics is null)
        {
            throw new DeviceRejectedException($"vnic={name}: this backend has no vNIC fabric");
        }

        var binding = _vnics.Find(name) ?? throw new DeviceRejectedException($"vnic={name}: there is no such vNIC");
        return (settings with { Mac = binding.Mac, Bridge = binding.Bridge }, binding);
    }

    private static RingOffer Offer(FrontendKeys keys, int queue, int count, string refKey, string requestKey, string responseKey)
    {
        var gref = keys.GetUInt(NetKeys.QueueKey(queue, count, refKey), 1, uint.MaxValue);
        var request = keys.GetUInt(NetKeys.QueueKey(queue, count, requestKey), 0, ushort.MaxValue);
        var response = keys.GetUInt(NetKeys.QueueKey(queue, count, responseKey), 0, ushort.MaxValue);
        return new RingOffer([new GrantRef(gref)], request, response);
    }

    private static bool Flag(FrontendKeys keys, string key) => keys[key] is not null && keys.GetUInt(key, 0, 1) == 1;

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
