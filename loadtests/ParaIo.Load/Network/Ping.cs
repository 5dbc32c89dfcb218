using System.Globalization;
using System.Text.RegularExpressions;
using ParaIo.Load.Block;
using ParaIo.Load.Reporting;

namespace ParaIo.Load.Network;

/// <summary>
/// ICMP echo round trips from the client namespace to the server address: a few pings not
/// counted (ARP, the first packets through a path), then <see cref="Count"/> at
/// <see cref="IntervalMs"/> ms, each reply's time taken from ping's own line.
/// </summary>
internal static partial class Ping
{
    public const int Count = 500;
    public const double IntervalMs = 2;

    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    public static PingFigures Run(NamespacePair pair, CancellationToken cancellation)
    {
        Send(pair, 5, "0.01", cancellation); // warm-up, not counted
        var times = Send(pair, Count, (IntervalMs / 1000).ToString("0.###", CultureInfo.InvariantCulture), cancellation);
        if (times.Count == 0)
        {
            throw new InvalidOperationException($"no reply from {pair.ServerAddress} to {Count} pings");
        }

        times.Sort();
        return new PingFigures(times[times.Count / 2], times.Average(), times[0], times[^1], Count, times.Count, IntervalMs);
    }

    /// <summary>Sends <paramref name="count"/> pings and returns the round trips of the replies, µs.</summary>
    private static List<double> Send(NamespacePair pair, int count, string interval, CancellationToken cancellation)
    {
        using var ping = ChildProcess.Start(
            "ping",
            "ip",
            ["netns", "exec", pair.Client, "ping", "-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", interval, "-W", "1", pair.ServerAddress],
            cancellation);
        ping.WaitForExit(s_patience, cancellation); // exits 1 when a reply is missing: the count says so
        var times = new List<double>(count);
        foreach (Match match in ReplyTime().Matches(ping.Output))
        {
            times.Add(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000);
        }

        return times;
    }

    [GeneratedRegex(@"time=([0-9.]+) ms")]
    private static partial Regex ReplyTime();
}
