using System.Globalization;
using ParaIo.Protocol.Block;

namespace ParaIo.Frontend.Block;

/// <summary>What the backend of a block device advertised in its store directory.</summary>
/// <param name="Sectors">The disk's size in 512-byte sectors; -1 when the backend did not say.</param>
/// <param name="PhysicalSectorSize">The unit writes should come in, bytes.</param>
/// <param name="Info">The <c>info</c> bits.</param>
/// <param name="FlushCache">FLUSH_DISKCACHE is served.</param>
/// <param name="Discard">DISCARD is served.</param>
/// <param name="MaxIndirectSegments">Segments an INDIRECT request may carry; 0 when INDIRECT is not served.</param>
/// <param name="MaxRingPageOrder">The largest ring the backend maps (log2 pages).</param>
public sealed record BlockBackendInfo(long Sectors, int PhysicalSectorSize, VdiskInfo Info, bool FlushCache, bool Discard, int MaxIndirectSegments, int MaxRingPageOrder)
{
    /// <summary>The largest <c>multi-queue-max-queues</c> accepted from a backend.</summary>
    public const int MaxQueuesLimit = 256;

    /// <summary>The most queues (rings) a device may use: <c>multi-queue-max-queues</c>, 1 when absent.</summary>
    public int MaxQueues { get; init; } = 1;

    /// <summary>The backend keeps grants mapped between requests (<c>feature-persistent</c>).</summary>
    public bool Persistent { get; init; }

    /// <summary>True when writes and discards will be refused.</summary>
    public bool IsReadOnly => (Info & VdiskInfo.ReadOnly) != 0;

    /// <summary>Reads the backend's keys; absent keys take Xen's defaults.</summary>
    /// <exception cref="InvalidDataException">A key is malformed, or the backend uses sectors other than 512 bytes.</exception>
    public static BlockBackendInfo Parse(IReadOnlyDictionary<string, string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var sectorSize = Number(keys, BlockKeys.SectorSize, BlkifProtocol.SectorSize, BlkifProtocol.SectorSize, int.MaxValue);
        if (sectorSize != BlkifProtocol.SectorSize)
        {
            throw new InvalidDataException($"The backend uses {sectorSize}-byte sectors; this frontend speaks only 512 (it does not offer feature-large-sector-size).");
        }

        return new BlockBackendInfo(
            keys.ContainsKey(BlockKeys.Sectors) ? Number(keys, BlockKeys.Sectors, 0, 0, long.MaxValue >> BlkifProtocol.SectorShift) : -1,
            (int)Number(keys, BlockKeys.PhysicalSectorSize, BlkifProtocol.SectorSize, BlkifProtocol.SectorSize, 1 << 20),
            (VdiskInfo)Number(keys, BlockKeys.Info, 0, 0, uint.MaxValue),
            Number(keys, BlockKeys.FeatureFlushCache, 0, 0, 1) == 1,
            Number(keys, BlockKeys.FeatureDiscard, 0, 0, 1) == 1,
            (int)Number(keys, BlockKeys.FeatureMaxIndirectSegments, 0, 0, BlkifProtocol.MaxIndirectSegments),
            (int)Number(keys, BlockKeys.MaxRingPageOrder, 0, 0, RingBuffer.Rings.RingLayout.MaxPageOrder))
        {
            MaxQueues = (int)Number(keys, BlockKeys.MultiQueueMaxQueues, 1, 1, MaxQueuesLimit),
            Persistent = Number(keys, BlockKeys.FeaturePersistent, 0, 0, 1) == 1,
        };
    }

    private static long Number(IReadOnlyDictionary<string, string> keys, string key, long fallback, long min, long max)
    {
        if (!keys.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidDataException($"The backend's '{key}' = \"{text}\" is not a number in {min}..{max}.");
        }

        return value;
    }
}
