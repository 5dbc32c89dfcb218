using System.Globalization;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// One iperf3 TCP flow from a guest's namespace to a server guest's, on a port of its own (which
/// is what a vNIC's traffic classes match): a one-off server, a client retried while the server
/// is still starting, and the receiver's rate over the steady part (the first seconds omitted).
/// </summary>
internal static class Iperf3Flow
{
    /// <summary>Runs one flow; returns what the receiver got, in bits a second, over the seconds not omitted.</summary>
    public static async Task<double> RunAsync(NetGuest client, NetGuest server, int port, int seconds, int omit)
    {
        var text = port.ToString(CultureInfo.InvariantCulture);
        var listening = ExternalTool.RunAsync("ip", "netns", "exec", server.Namespace.Name, "iperf3", "--server", "--one-off", "--port", text);
        ToolResult run = new(-1, "", "");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            run = await ExternalTool.RunAsync(
                "ip", "netns", "exec", client.Namespace.Name, "iperf3", "--client", server.Address, "--port", text,
                "--time", seconds.ToString(CultureInfo.InvariantCulture), "--omit", omit.ToString(CultureInfo.InvariantCulture), "--json");
            if (Ran(run))
            {
                break;
            }

            // Retried while the server is still starting (refused, or iperf3 3.12's "unable to connect").
            await Task.Delay(100);
        }

        Assert.IsTrue(Ran(run), run.ToString());
        var served = await listening;
        Assert.AreEqual(0, served.ExitCode, served.ToString());
        using var report = JsonDocument.Parse(run.Stdout);
        return report.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
    }

    /// <summary>Runs a flow per port at once, all from <paramref name="client"/>; returns each port's receiver rate.</summary>
    public static async Task<IReadOnlyDictionary<int, double>> RunAllAsync(NetGuest client, NetGuest server, IEnumerable<int> ports, int seconds, int omit)
    {
        var flows = ports.Select(async port => (Port: port, Rate: await RunAsync(client, server, port, seconds, omit))).ToList();
        return (await Task.WhenAll(flows)).ToDictionary(f => f.Port, f => f.Rate);
    }

    /// <summary>iperf3 ran a test: exit code 0 and no "error" in its JSON.</summary>
    private static bool Ran(ToolResult run)
    {
        if (run.ExitCode != 0)
        {
            return false;
        }

        try
        {
            using var report = JsonDocument.Parse(run.Stdout);
            return !report.RootElement.TryGetProperty("error", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
