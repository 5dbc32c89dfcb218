using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Block;

namespace ParaIo.Frontend.Block;

/// <summary>
/// The frontend of virtual block devices (<c>vbd</c>, Xen's blkfront): reads the backend's
/// features, sets up one ring (as large as both ends allow) and returns a
/// <see cref="BlockFrontDevice"/>.
/// </summary>
public sealed class BlockFrontendDriver : IFrontendDriver
{
    private readonly BlockFrontendOptions _options;

    /// <summary>Creates the driver.</summary>
    public BlockFrontendDriver(BlockFrontendOptions? options = null)
    {
        _options = options ?? new BlockFrontendOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.RingPageOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.RingPageOrder, RingBuffer.Rings.RingLayout.MaxPageOrder);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.QueueDepth);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxIndirectSegments);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxIndirectSegments, BlkifProtocol.MaxIndirectSegments);
    }

    /// <inheritdoc />
    public string DeviceType => BlkifProtocol.DeviceType;

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The backend's keys are malformed.</exception>
    public IFrontendDevice Connect(FrontendConnectContext context) => ConnectBlock(context);

    /// <summary>As <see cref="Connect"/>, typed.</summary>
    public BlockFrontDevice ConnectBlock(FrontendConnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var backend = BlockBackendInfo.Parse(context.BackendFeatures);
        var order = Math.Min(_options.RingPageOrder, backend.MaxRingPageOrder);
        var queue = context.Memory.CreateQueue<BlkifRequest, BlkifResponse>(_options.BackendDomain, order);
        try
        {
            return new BlockFrontDevice(context.Memory, queue, backend, _options);
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }
}
