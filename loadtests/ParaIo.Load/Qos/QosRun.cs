using System.Globalization;
using ParaIo.Load.Block;
using ParaIo.Load.Network;
using ParaIo.Load.Reporting;

namespace ParaIo.Load.Qos;

/// <summary>
/// <c>paraio-load qos</c>: a vNIC's service level under saturating load, phase by phase. For each
/// scenario: paraiod (with the scenario's settings), its vNICs made with paraioctl, a server guest
/// and a guest per vNIC (each paraio-guest with its vif's TAP in a namespace of its own, the vif
/// bound to the vNIC), a persistent iperf3 server per flow; then in each phase an iperf3 TCP client
/// per flow that sends, while paraiod's per-class (or per-vNIC) byte counters are read every
/// <see cref="SampleInterval"/>. A phase's achieved rate is its counters' bytes over its steady part
/// (after <see cref="Settle"/>), compared with the rate the scheduler should give. Needs root.
/// </summary>
internal sealed class QosRun
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private const string Subnet = "10.78.0.";

    private readonly string _directory;
    private readonly string _prefix = $"pqo{Environment.ProcessId}";
    private readonly TimeSpan _phase;
    private readonly CancellationToken _cancellation;

    private QosRun(string directory, TimeSpan phase, CancellationToken cancellation)
    {
        _directory = directory;
        _phase = phase;
        _cancellation = cancellation;
    }

    /// <summary>Runs the scenarios, prints the table or JSON, writes the plot; returns the exit code.</summary>
    public static int Execute(IReadOnlyList<string> scenarios, TimeSpan phase, bool json, string? plot)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("paraio-load qos needs root: its guests' vifs are TAP interfaces in network namespaces of their own. Run it with sudo.");
            return 2;
        }

        var startedAt = DateTimeOffset.UtcNow;
        using var interruption = new Interruption();
        var directory = Directory.CreateTempSubdirectory("paraio-qos-").FullName;
        var run = new QosRun(directory, phase, interruption.Token);
        QosReport report;
        try
        {
            var iperf = HostCommand.Version("iperf3", "iperf3", "--version", interruption.Token);
            var results = new List<QosScenarioResult>();
            foreach (var name in scenarios.Count > 0 ? scenarios.Distinct() : QosScenario.Names)
            {
                results.Add(run.RunAsync(QosScenario.Named(name)).GetAwaiter().GetResult());
            }

            report = new QosReport("paraio-load qos", startedAt, RunEnvironment.Current(), phase.TotalSeconds, Settle.TotalSeconds, SampleInterval.TotalMilliseconds, iperf, results);
        }
        catch (Exception e) when (interruption.IsRequested)
        {
            ProgressLog.Write($"interrupted ({e.GetType().Name}); every child process was reaped and every namespace deleted.");
            return 130;
        }
        catch (Exception e)
        {
            ProgressLog.Write($"failed: {e}");
            return 1;
        }
        finally
        {
            RunDirectory.Release(directory, keep: false);
        }

        if (plot is not null)
        {
            File.WriteAllText(plot, QosPlot.Render(report));
            ProgressLog.Write($"wrote the plot to {plot}");
        }

        if (json)
        {
            JsonReport.Write(report, ReportJsonContext.Default.QosReport);
        }
        else
        {
            QosReportTable.Write(StdoutConsole.Create(), report);
        }

        return 0;
    }

    private async Task<QosScenarioResult> RunAsync(QosScenario scenario)
    {
        ProgressLog.Write($"{scenario.Name}: {scenario.Description}");
        using var stack = ParaioNetStack.StartDaemon(Path.Combine(_directory, scenario.Name), _cancellation, [.. scenario.Settings]);
        foreach (var vnic in scenario.Vnics)
        {
            stack.Daemon.Control(["vnic", "create", vnic.Name, "--port", "nic0/0", .. vnic.Options, "--json"]).Dispose();
        }

        var server = _prefix + "s";
        stack.StartGuest("server", server, Subnet + "1");
        var namespaces = new Dictionary<string, string>();
        foreach (var vnic in scenario.Vnics)
        {
            var ns = $"{_prefix}{namespaces.Count}";
            stack.StartGuest(vnic.Guest, ns, Subnet + (namespaces.Count + 2).ToString(CultureInfo.InvariantCulture), "vif,vnic=" + vnic.Name);
            namespaces[vnic.Name] = ns;
        }

        var servers = new List<ChildProcess>();
        try
        {
            foreach (var flow in scenario.Flows)
            {
                servers.Add(Iperf3.StartServer(server, Subnet + "1", Port(flow), oneOff: false, _cancellation));
            }

            await using var counters = await QosCounters.ConnectAsync(stack.Daemon.SocketPath, scenario.Flows, _cancellation).ConfigureAwait(false);
            var samples = new List<QosSample> { await counters.ReadAsync(_cancellation).ConfigureAwait(false) };
            var phases = new List<QosPhaseResult>();
            foreach (var phase in scenario.Phases)
            {
                phases.Add(await RunPhaseAsync(scenario, phase, namespaces, counters, samples).ConfigureAwait(false));
            }

            return new QosScenarioResult(scenario.Name, scenario.Description, phases, QosFigures.Series(scenario, samples));
        }
        finally
        {
            foreach (var iperf in servers)
            {
                iperf.Dispose();
            }
        }
    }

    private async Task<QosPhaseResult> RunPhaseAsync(QosScenario scenario, QosPhase phase, Dictionary<string, string> namespaces, QosCounters counters, List<QosSample> samples)
    {
        var start = counters.Now;
        var clients = scenario.Flows
            .Where(f => phase.Expected.ContainsKey(f.Label))
            .Select(f => Iperf3.StartClient(namespaces[f.Vnic], Subnet + "1", Port(f), _phase, [], _cancellation))
            .ToList();
        try
        {
            ProgressLog.Write($"{scenario.Name}: phase '{phase.Name}', {clients.Count} flow(s) for {_phase.TotalSeconds:0} s");
            while (counters.Now < start + _phase.TotalSeconds)
            {
                await Task.Delay(SampleInterval, _cancellation).ConfigureAwait(false);
                samples.Add(await counters.ReadAsync(_cancellation).ConfigureAwait(false));
            }

            foreach (var client in clients)
            {
                var code = Iperf3.WaitForClient(client, _phase, _cancellation);
                if (code != 0)
                {
                    throw new InvalidOperationException($"{client.Label} exited with {code}: {client.Tail}");
                }
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        var result = QosFigures.Phase(scenario, phase, samples, start, start + _phase.TotalSeconds, Settle.TotalSeconds);
        ProgressLog.Write($"{scenario.Name}: phase '{phase.Name}': " + string.Join(", ", result.Rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Subject} {r.AchievedMbps:0.0} Mb/s ({Math.Round(r.ErrorPercent, 1):+0.0;-0.0;0.0} %)"))));
        return result;
    }

    private static string Port(QosFlow flow) => flow.Port.ToString(CultureInfo.InvariantCulture);
}
