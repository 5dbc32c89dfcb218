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
        using var server = StartServer(pair.Server, pair.ServerAddress, Port, oneOff: true, cancellation);
        using var client = StartClient(pair.Client, pair.ServerAddress, Port, duration, ["-O", "1", "-J"], cancellation);
        var code = WaitForClient(client, duration, cancellation);
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

    /// <summary>
    /// Starts an iperf3 server in namespace <paramref name="ns"/> on <paramref name="address"/>:<paramref name="port"/>
    /// (for one test when <paramref name="oneOff"/>, else until disposed) and waits until it listens.
    /// </summary>
    public static ChildProcess StartServer(string ns, string address, string port, bool oneOff, CancellationToken cancellation)
    {
        var server = ChildProcess.Start(
            $"iperf3 -s :{port}",
            "ip",
            ["netns", "exec", ns, "iperf3", "-s", .. oneOff ? new[] { "-1" } : [], "-B", address, "-p", port, "--forceflush"],
            cancellation);
        try
        {
            server.WaitForLine(line => line.Contains("Server listening", StringComparison.Ordinal), "'Server listening'", s_patience, cancellation);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts one TCP client in namespace <paramref name="ns"/> to <paramref name="address"/>:<paramref name="port"/> for <paramref name="duration"/> (whole seconds, at least 1).</summary>
    public static ChildProcess StartClient(string ns, string address, string port, TimeSpan duration, IEnumerable<string> options, CancellationToken cancellation)
    {
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ChildProcess.Start($"iperf3 -c :{port}", "ip", ["netns", "exec", ns, "iperf3", "-c", address, "-p", port, "-t", seconds, .. options], cancellation);
    }

    /// <summary>Waits for a client started for <paramref name="duration"/> to exit, with room for its setup and teardown; returns its exit code.</summary>
    public static int WaitForClient(ChildProcess client, TimeSpan duration, CancellationToken cancellation) =>
        client.WaitForExit(duration + s_patience + s_patience, cancellation);
}
