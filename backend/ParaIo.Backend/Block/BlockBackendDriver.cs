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
/// <see cref="Features"/> holds what is the same for every device of this driver. What depends on
/// the LUN — size, sector sizes, read-only, discard — is in <see cref="DeviceKeys"/>, which the
/// handshake should write to the device's backend directory before InitWait (today the
/// handshake writes <see cref="Features"/> only). ParaIo advertises <c>feature-persistent</c> = 0:
/// grants are mapped per request and unmapped before the response.
/// </remarks>
public sealed class BlockBackendDriver : IBackendDriver
{
    private readonly Func<DeviceAddress, ILun?> _luns;
    private readonly BlockBackendOptions _options;

    /// <summary>Creates the driver.</summary>
    /// <param name="luns">The LUN behind a device, or null when it has none (the device is refused). LUNs are shared across reconnects and not disposed by the driver.</param>
    /// <param name="options">Limits and tuning; defaults when null.</param>
    public BlockBackendDriver(Func<DeviceAddress, ILun?> luns, BlockBackendOptions? options = null)
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
            [BlockKeys.FeaturePersistent] = "0",
        };
        if (_options.MaxIndirectSegments > 0)
        {
            features[BlockKeys.FeatureMaxIndirectSegments] = Format(_options.MaxIndirectSegments);
        }

        Features = features;
    }

    /// <inheritdoc />
    public string DeviceType => BlkifProtocol.DeviceType;

    /// <inheritdoc />
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
    public Task<IBackendDevice> ConnectAsync(BackendConnectContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var lun = _luns(context.Address) ?? throw new DeviceRejectedException($"no LUN is assigned to {context.Address}");
        if (context.Frontend[BlockKeys.MultiQueueNumQueues] is not null)
        {
            // One queue per device for now: anything but 1 is refused, naming the key.
            context.Frontend.GetUInt(BlockKeys.MultiQueueNumQueues, 1, 1);
        }

        var offer = context.Frontend.GetRingOffer(_options.MaxRingPageOrder);
        var queue = BackQueue<BlkifRequest, BlkifResponse>.Connect(context.Mapper, offer);
        try
        {
            return Task.FromResult<IBackendDevice>(new BlockBackendDevice(queue, lun, context, _options));
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
