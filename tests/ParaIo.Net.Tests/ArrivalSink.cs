using System.Diagnostics;
using ParaIo.Backend.Bridge;

namespace ParaIo.Net.Tests;

/// <summary>
/// A bridge port that notes when each UDP frame arrives (wall clock) and how long it is, by
/// destination port, so the rate a kind of traffic achieved can be measured over the window of
/// its arrivals.
/// </summary>
internal sealed class ArrivalSink(string name) : BridgePort(name)
{
    private readonly Dictionary<ushort, List<(long At, int Bytes)>> _arrivals = [];
    private readonly Lock _lock = new();

    public override bool Transmit(in EgressFrame frame)
    {
        var at = Stopwatch.GetTimestamp();
        Span<byte> header = stackalloc byte[38];
        if (frame.Length < header.Length)
        {
            return true;
        }

        frame.CopyTo(0, header);
        var port = Frames.UdpDestinationPort(header);
        lock (_lock)
        {
            if (!_arrivals.TryGetValue(port, out var list))
            {
                list = new List<(long, int)>(1 << 16);
                _arrivals[port] = list;
            }

            list.Add((at, frame.Length));
        }

        return true;
    }

    /// <summary>
    /// Megabits a second of UDP port <paramref name="port"/>, over its arrivals from
    /// <paramref name="skip"/> after the first (the start-up burst and warm-up left out) to the last.
    /// </summary>
    public double Mbps(ushort port, TimeSpan skip)
    {
        lock (_lock)
        {
            var list = _arrivals[port];
            return Mbps(port, list, list[0].At + (long)(skip.TotalSeconds * Stopwatch.Frequency));
        }
    }

    /// <summary>Megabits a second of UDP port <paramref name="port"/> over its arrivals from <paramref name="from"/> (a <see cref="Stopwatch"/> timestamp) to the last.</summary>
    public double MbpsSince(ushort port, long from)
    {
        lock (_lock)
        {
            return Mbps(port, _arrivals[port], from);
        }
    }

    /// <summary>The bytes after the window's first frame over the time to its last. Caller holds the lock.</summary>
    private static double Mbps(ushort port, List<(long At, int Bytes)> list, long from)
    {
        var first = list.FindIndex(a => a.At >= from);
        var last = list.Count - 1;
        if (first < 0 || last - first < 100)
        {
            throw new InvalidOperationException($"Too few frames of port {port} arrived to measure a rate ({list.Count}).");
        }

        long bytes = 0;
        for (var i = first + 1; i <= last; i++)
        {
            bytes += list[i].Bytes;
        }

        var seconds = (double)(list[last].At - list[first].At) / Stopwatch.Frequency;
        return bytes * 8 / seconds / 1_000_000;
    }
}
