using ParaIo.Backend.Bridge;

namespace ParaIo.Qos.Tests;

/// <summary>
/// A bridge port that takes every frame and bins its bytes by UDP destination port and by
/// millisecond of a clock, so the rate of each kind of traffic over any window can be measured.
/// </summary>
internal sealed class ShaperSink(string name, TimeProvider clock) : BridgePort(name)
{
    private readonly Dictionary<ushort, List<long>> _bins = [];
    private readonly Lock _lock = new();

    public override bool Transmit(in EgressFrame frame)
    {
        Span<byte> header = stackalloc byte[UdpFrames.HeaderBytes];
        if (frame.Length < header.Length)
        {
            return true;
        }

        frame.CopyTo(0, header);
        var port = UdpFrames.DestinationPort(header);
        var bin = (int)(clock.GetElapsedTime(0).Ticks / TimeSpan.TicksPerMillisecond);
        lock (_lock)
        {
            if (!_bins.TryGetValue(port, out var bins))
            {
                bins = [];
                _bins[port] = bins;
            }

            while (bins.Count <= bin)
            {
                bins.Add(0);
            }

            bins[bin] += frame.Length;
        }

        return true;
    }

    /// <summary>Megabits a second of UDP port <paramref name="port"/> delivered from <paramref name="from"/> to <paramref name="to"/> seconds.</summary>
    public double Mbps(ushort port, double from, double to)
    {
        long bytes = 0;
        lock (_lock)
        {
            if (_bins.TryGetValue(port, out var bins))
            {
                for (var i = (int)Math.Round(from * 1000); i < (int)Math.Round(to * 1000) && i < bins.Count; i++)
                {
                    bytes += bins[i];
                }
            }
        }

        return Rates.ToMbps(bytes / (to - from));
    }
}
