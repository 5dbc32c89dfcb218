using System.Globalization;
using System.Text.Json;
using ParaIo.Load.Block;
using ParaIo.Load.Reporting;

namespace ParaIo.Load.Network;

/// <summary>
/// iperf3 TCP from the client namespace to the server namespace: one server that exits after one
/// test (<c>-s -1</c>), one client with the run's duration, the first second omitted from the
/// figures (<c>-O 1</c>: slow start, the guests' JIT), default window and one stream.
/// </summary>
internal static class Iperf3
{
    private const string Port = "5201";
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);

    public static TcpFigures Run(NamespacePair pair, TimeSpan duration, CancellationToken cancellation)
    {
        using var server = ChildProcess.Start(
            "iperf3 -s",
            "ip",
            ["netns", "exec", pair.Server, "iperf3", "-s", "-1", "-B", pair.ServerAddress, "-p", Port, "--forceflush"],
            cancellation);
        server.WaitForLine(line => line.Contains("Server listening", StringComparison.Ordinal), "'Server listening'", s_patience, cancellation);
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        using var client = ChildProcess.Start(
            "iperf3 -c",
            "ip",
            ["netns", "exec", pair.Client, "iperf3", "-c", pair.ServerAddress, "-p", Port, "-t", seconds, "-O", "1", "-J"],
            cancellation);
        var code = client.WaitForExit(duration + s_patience + s_patience, cancellation);
        var output = client.Output;
        var start = output.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"iperf3 exited with {code} and printed no JSON: {client.Tail}");
        }

        using var document = JsonDocument.Parse(output.AsMemory(start));
        var root = document.RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"iperf3: {error.GetString()}");
        }

        var end = root.GetProperty("end");
        var received = end.GetProperty("sum_received");
        var sent = end.GetProperty("sum_sent");
        var retransmits = sent.TryGetProperty("retransmits", out var r) ? r.GetInt64() : 0;
        return new TcpFigures(
            received.GetProperty("bits_per_second").GetDouble() / 1e9,
            received.GetProperty("bytes").GetInt64(),
            received.GetProperty("seconds").GetDouble(),
            retransmits);
    }
}
