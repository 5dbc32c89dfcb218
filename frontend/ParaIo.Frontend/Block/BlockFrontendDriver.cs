using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Block;

/// <summary>
/// The frontend of virtual block devices (<c>vbd</c>, Xen's blkfront): reads the backend's
/// features, sets up its queues — <see cref="BlockFrontendOptions.Queues"/> capped by the
/// backend's <c>multi-queue-max-queues</c>, one ring each, as large as both ends allow — and
/// returns a <see cref="BlockFrontDevice"/>.
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
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Queues);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Queues, BlockBackendInfo.MaxQueuesLimit);
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
        // Queues = 0: one a CPU, as Linux's blkfront does by default.
        var wanted = _options.Queues == 0 ? Environment.ProcessorCount : _options.Queues;
        var count = Math.Max(1, Math.Min(wanted, backend.MaxQueues));
        var queues = new List<FrontQueue<BlkifRequest, BlkifResponse>>(count);
        try
        {
            for (var q = 0; q < count; q++)
            {
                queues.Add(context.Memory.CreateQueue<BlkifRequest, BlkifResponse>(_options.BackendDomain, order));
            }

            return new BlockFrontDevice(context.Memory, queues, backend, _options);
        }
        catch
        {
            queues.ForEach(q => q.Dispose());
            throw;
        }
    }
}
