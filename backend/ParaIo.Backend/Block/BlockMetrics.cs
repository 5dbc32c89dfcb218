using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ParaIo.Backend.Block;

/// <summary>
/// The block devices' instruments on the <c>ParaIo</c> meter. They are observable: the data path
/// only increments its <see cref="BlockBackendCounters"/>, and a listener (dotnet-counters, the
/// daemon's Prometheus endpoint) reads every live device's counters when it collects, tagged
/// with the device (<c>dom1/vbd/0</c>).
/// </summary>
internal static class BlockMetrics
{
    private static readonly ConcurrentDictionary<BlockBackendDevice, string> s_devices = new();
    private static readonly Meter s_meter = new("ParaIo", "1.0");

    static BlockMetrics()
    {
        s_meter.CreateObservableCounter("paraio.blk.requests", ObserveRequests, "{request}", "Block requests taken from the rings, by operation");
        s_meter.CreateObservableCounter("paraio.blk.bytes", ObserveBytes, "By", "Bytes moved between guest pages and LUNs, by direction");
        s_meter.CreateObservableCounter("paraio.blk.errors", ObserveErrors, "{request}", "Block requests answered ERROR or EOPNOTSUPP, by reason");
    }

    public static void Register(BlockBackendDevice device, string name) => s_devices[device] = name;

    public static void Unregister(BlockBackendDevice device) => s_devices.TryRemove(device, out _);

    private static IEnumerable<Measurement<long>> ObserveRequests()
    {
        foreach (var (device, name) in s_devices)
        {
            var c = device.Counters;
            yield return Measure(c.Reads, name, "op", "read");
            yield return Measure(c.Writes, name, "op", "write");
            yield return Measure(c.Flushes, name, "op", "flush");
            yield return Measure(c.Discards, name, "op", "discard");
            yield return Measure(c.Indirect, name, "op", "indirect");
        }
    }

    private static IEnumerable<Measurement<long>> ObserveBytes()
    {
        foreach (var (device, name) in s_devices)
        {
            yield return Measure(device.Counters.BytesRead, name, "direction", "read");
            yield return Measure(device.Counters.BytesWritten, name, "direction", "write");
        }
    }

    private static IEnumerable<Measurement<long>> ObserveErrors()
    {
        foreach (var (device, name) in s_devices)
        {
            yield return Measure(device.Counters.IoErrors, name, "reason", "io");
            yield return Measure(device.Counters.IoNotSupported, name, "reason", "io-not-supported");
            foreach (var reason in Enum.GetValues<BlockRejection>())
            {
                yield return Measure(device.Counters.Rejected(reason), name, "reason", reason.ToString());
            }
        }
    }

    private static Measurement<long> Measure(long value, string device, string key, string tag) =>
        new(value, new KeyValuePair<string, object?>("device", device), new KeyValuePair<string, object?>(key, tag));
}
