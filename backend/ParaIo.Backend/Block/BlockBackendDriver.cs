using System.Globalization;
using ParaIo.Backend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Backend.Block;

/// <summary>
/// The backend of virtual block devices (<c>vbd</c>, Xen's blkback): serves each device's ring
/// from the <see cref="ILun"/> the resolver names for it.
/// </summary>
/// <remarks>
/// <see cref="Features"/> holds what is the same for every device of this driver; what depends on
/// the LUN — size, sector sizes, read-only, discard — is added by <see cref="DeviceKeys"/>. The
/// settings a device takes: <c>disk=NAME</c> (which LUN, for the resolver), or
/// <c>vhba=NAME,lun=LUN</c> (a LUN reached through a vHBA of the fabric, which must be masked to
/// it), and <c>mode=r|w</c> (<c>r</c> serves a writable LUN read-only). ParaIo advertises
/// <c>feature-persistent</c> = 1 (unless <see cref="BlockBackendOptions.MaxPersistentGrants"/> is 0):
/// a frontend that writes it back grants every data page writable, and each queue keeps up to that
/// many grants mapped from first use until the device closes; otherwise grants are mapped per
/// request and unmapped before the response. <c>multi-queue-max-queues</c> =
/// <see cref="BlockBackendOptions.MaxQueues"/>: a frontend may set up that many rings, each served
/// by its own thread.
/// </remarks>
public sealed class BlockBackendDriver : IBackendDriver
{
    /// <summary>The setting naming a device's disk.</summary>
    public const string DiskSetting = "disk";

    /// <summary>The setting <c>mode=r</c> (read-only) or <c>mode=w</c> (the default).</summary>
    public const string ModeSetting = "mode";

    /// <summary>The setting naming the vHBA a device reaches its LUN through (<c>vhba=NAME,lun=LUN</c>, instead of <c>disk=</c>).</summary>
    public const string VhbaSetting = "vhba";

    /// <summary>The setting naming the LUN behind a device reached through a vHBA.</summary>
    public const string LunSetting = "lun";

    private readonly Func<DeviceAddress, IReadOnlyDictionary<string, string>, ILun?> _luns;
    private readonly BlockBackendOptions _options;

    /// <summary>Creates the driver with one LUN resolver for every device, whatever its settings.</summary>
    /// <param name="luns">The LUN behind a device, or null when it has none (the device is refused). LUNs are shared across reconnects and not disposed by the driver.</param>
    /// <param name="options">Limits and tuning; defaults when null.</param>
    public BlockBackendDriver(Func<DeviceAddress, ILun?> luns, BlockBackendOptions? options = null)
        : this((address, _) => luns(address), options)
    {
        ArgumentNullException.ThrowIfNull(luns);
    }

    /// <summary>Creates the driver.</summary>
    /// <param name="luns">The LUN behind a device given its settings (<c>disk=NAME</c>), or null when there is none (the device is refused). LUNs are shared across reconnects and not disposed by the driver.</param>
    /// <param name="options">Limits and tuning; defaults when null.</param>
    public BlockBackendDriver(Func<DeviceAddress, IReadOnlyDictionary<string, string>, ILun?> luns, BlockBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(luns);
        _luns = luns;
        _options = options ?? new BlockBackendOptions();
        _options.Validate();
        var features = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [BlockKeys.MaxRingPageOrder] = Format(_options.MaxRingPageOrder),
            [BlockKeys.FeatureFlushCache] = _options.FlushCache ? "1" : "0",
            [BlockKeys.FeatureBarrier] = "0",
            [BlockKeys.FeaturePersistent] = _options.MaxPersistentGrants > 0 ? "1" : "0",
            [BlockKeys.MultiQueueMaxQueues] = Format(_options.MaxQueues),
        };
        if (_options.MaxIndirectSegments > 0)
        {
            features[BlockKeys.FeatureMaxIndirectSegments] = Format(_options.MaxIndirectSegments);
        }

        Features = features;
    }

    /// <inheritdoc />
    public string DeviceType => BlkifProtocol.DeviceType;

    /// <summary>The keys every device of this driver advertises.</summary>
    public IReadOnlyDictionary<string, string> Features { get; }

    /// <summary>The options in effect.</summary>
    public BlockBackendOptions Options => _options;

    /// <summary>
    /// Every backend key of one device: <see cref="Features"/> plus <c>sectors</c>,
    /// <c>sector-size</c> (always 512: the protocol's unit), <c>physical-sector-size</c>,
    /// <c>info</c>, <c>mode</c> and the discard keys, from the LUN.
    /// </summary>
    public IReadOnlyDictionary<string, string> DeviceKeys(ILun lun)
    {
        ArgumentNullException.ThrowIfNull(lun);
        var keys = new Dictionary<string, string>(Features, StringComparer.Ordinal)
        {
            [BlockKeys.Sectors] = Format(lun.Size >> BlkifProtocol.SectorShift),
            [BlockKeys.SectorSize] = Format(BlkifProtocol.SectorSize),
            [BlockKeys.PhysicalSectorSize] = Format(Math.Max(lun.PhysicalSectorSize, BlkifProtocol.SectorSize)),
            [BlockKeys.Info] = Format((long)(lun.IsReadOnly ? VdiskInfo.ReadOnly : VdiskInfo.None)),
            [BlockKeys.Mode] = lun.IsReadOnly ? "r" : "w",
            [BlockKeys.FeatureDiscard] = lun.CanDiscard && !lun.IsReadOnly ? "1" : "0",
        };
        if (lun.CanDiscard && !lun.IsReadOnly)
        {
            keys[BlockKeys.DiscardGranularity] = Format(Math.Max(lun.SectorSize, BlkifProtocol.SectorSize));
            keys[BlockKeys.DiscardAlignment] = "0";
            keys[BlockKeys.DiscardSecure] = "0";
        }

        return keys;
    }

    /// <inheritdoc />
    public void ValidateSettings(IReadOnlyDictionary<string, string> settings)
    {
        DeviceSettings.AllowOnly(DeviceType, settings, DiskSetting, ModeSetting, VhbaSetting, LunSetting);
        if (settings.ContainsKey(VhbaSetting) != settings.ContainsKey(LunSetting) || (settings.ContainsKey(VhbaSetting) && settings.ContainsKey(DiskSetting)))
        {
            throw new ArgumentException("A vbd device names its disk (disk=NAME), or a vHBA and a LUN masked to it (vhba=NAME,lun=LUN): one of the two, whole.");
        }

        if (settings.TryGetValue(ModeSetting, out var mode) && mode is not ("r" or "w"))
        {
            throw new ArgumentException($"mode={mode} is not a mode: write mode=r (read-only) or mode=w.");
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> BackendKeys(DeviceAddress address, IReadOnlyDictionary<string, string> settings) =>
        DeviceKeys(Resolve(address, settings));

    /// <inheritdoc />
    public Task<IBackendDevice> ConnectAsync(BackendConnectContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var lun = Resolve(context.Address, context.Settings);
        var keys = context.Frontend;
        // Absent means one queue; 1 keeps the flat keys (as Linux's blkback reads them); above 1,
        // each queue's ring keys sit under queue-N/ and ring-page-order once at the top.
        var count = keys[BlockKeys.MultiQueueNumQueues] is null ? 1 : (int)keys.GetUInt(BlockKeys.MultiQueueNumQueues, 1, (uint)_options.MaxQueues);
        var queues = new List<BackQueue<BlkifRequest, BlkifResponse>>(count);
        try
        {
            for (var q = 0; q < count; q++)
            {
                var queueKeys = count == 1 ? keys : keys.Queue(q, BlockKeys.RingPageOrder);
                queues.Add(BackQueue<BlkifRequest, BlkifResponse>.Connect(context.Mapper, queueKeys.GetRingOffer(_options.MaxRingPageOrder)));
            }

            // The frontend's feature-persistent is its promise to grant every data page writable.
            var persistent = _options.MaxPersistentGrants > 0 && keys[BlockKeys.FeaturePersistent] is not null && keys.GetUInt(BlockKeys.FeaturePersistent, 0, 1) == 1;
            return Task.FromResult<IBackendDevice>(new BlockBackendDevice(queues, lun, context, _options, persistent));
        }
        catch
        {
            foreach (var queue in queues)
            {
                queue.Dispose();
            }

            throw;
        }
    }

    private ILun Resolve(DeviceAddress address, IReadOnlyDictionary<string, string> settings)
    {
        var lun = _luns(address, settings) ?? throw new DeviceRejectedException(
            settings.TryGetValue(DiskSetting, out var disk) ? $"disk '{disk}' of {address} is not available (it does not exist, its image is gone, or its SAN does not answer)" : $"no LUN is assigned to {address}");
        return settings.TryGetValue(ModeSetting, out var mode) && mode == "r" && !lun.IsReadOnly ? new ReadOnlyLun(lun) : lun;
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
