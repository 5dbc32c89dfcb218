using ParaIo.Load.Block;
using ParaIo.Load.Measurement;
using ParaIo.Load.Reporting;

namespace ParaIo.Load.Network;

/// <summary>
/// <c>paraio-load net</c>: the network path against the Linux bridge in one run. (a) iperf3 TCP and
/// ping from one guest to another through ParaIo: two paraio-guest processes, each with its vif as
/// a TAP interface in its own network namespace, on one paraiod bridge. (b) The same iperf3 and ping
/// between two namespaces joined by veth pairs through a Linux bridge, the baseline. (c) 64-byte
/// frames guest → guest in library mode, in this process. The paths run in turn, never together
/// (they share the cores). A path whose setup or run fails is reported as unavailable, and the
/// others still run; without root, (a) and (b) are unavailable and (c) still runs.
/// </summary>
internal sealed class NetRun
{
    public const string ParaIoPath = "paraio";
    public const string LinuxBridgePath = "linux-bridge";
    public const string LibraryPath = "library";

    public const string TcpMeasure = "tcp";
    public const string PingMeasure = "ping";
    public const string FramesMeasure = "frames";

    private const string ParaIoHow = "TAP in netns 1 → paraio-guest 1's NetFront → ring and grants → paraiod's NetBack → software bridge → NetBack → ring → paraio-guest 2's NetFront → TAP in netns 2";
    private const string LinuxBridgeHow = "veth in netns 1 → Linux bridge (in a third netns) → veth in netns 2, all in the kernel";

    /// <summary>Guest → guest TCP through ParaIo, Gb/s.</summary>
    private const double TcpGoalGbps = 5;

    /// <summary>64-byte frames per second delivered in library mode.</summary>
    private const double FramesGoal = 1_000_000;

    /// <summary>A C relay between two TAPs measured about this round trip on this machine, µs; ParaIo's target is within 1.5× of it.</summary>
    private const double RelayRttUs = 100;
    private const double RttGoalFactor = 1.5;

    private static readonly TimeSpan s_ramp = TimeSpan.FromSeconds(1);

    private static readonly string[] s_fairness =
    [
        "same tools, same commands: one iperf3 TCP stream (default window, -O 1 omits the first second), then ping, run from the first namespace to the second's address, for both paths",
        "same shape: each path is interface → switch → interface between two network namespaces; the Linux bridge sits in a namespace of its own, as paraiod's bridge sits in paraiod",
        "in turn, never together: library mode, then ParaIo, then the Linux bridge; nothing else of this run is running meanwhile",
        "paraiod and paraio-guest run with their defaults; the kernel's veth and bridge with theirs (MTU 1500, the kernel's offloads)",
        $"ping: 5 pings not counted, then {Ping.Count} at {Ping.IntervalMs} ms intervals; the median and mean of ping's own per-reply times",
        "library mode counts a frame when guest 2's receiver gets it; frames dropped for want of posted buffers are reported, not counted, and every frame sent must be either",
    ];

    private readonly TimeSpan _duration;
    private readonly string _directory;
    private readonly string _prefix;
    private readonly CancellationToken _cancellation;
    private readonly List<NetRow> _rows = [];

    private NetRun(TimeSpan duration, string directory, CancellationToken cancellation)
    {
        _duration = duration;
        _directory = directory;
        _cancellation = cancellation;
        _prefix = $"plo{Environment.ProcessId}";
    }

    /// <summary>Measures every path and prints the report; returns the exit code.</summary>
    public static int Execute(TimeSpan duration, bool json, bool keep)
    {
        var startedAt = DateTimeOffset.UtcNow;
        using var interruption = new Interruption();
        var directory = Directory.CreateTempSubdirectory("paraio-net-").FullName;
        var run = new NetRun(duration, directory, interruption.Token);
        NetReport report;
        try
        {
            report = run.Measure(startedAt);
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
            RunDirectory.Release(directory, keep);
        }

        if (json)
        {
            JsonReport.Write(report, ReportJsonContext.Default.NetReport);
        }
        else
        {
            NetReportTable.Write(Console.Out, report);
        }

        return report.Rows.Any(r => r.Measured) ? 0 : 1;
    }

    private NetReport Measure(DateTimeOffset startedAt)
    {
        var root = Environment.IsPrivilegedProcess;
        var iperf = Tool("iperf3", "iperf3", "--version");
        var ping = Tool("ping", "iputils-ping", "-V");
        ProgressLog.Write($"{iperf.Version}; {ping.Version}; {(root ? "root" : "not root: the namespace paths need root and are skipped")}; working in {_directory}");

        MeasureLibrary();
        string? unavailable = !root ? "needs root (network namespaces, TAP and veth)" : iperf.Missing ?? ping.Missing;
        MeasureNamespaces(ParaIoPath, ParaIoHow, unavailable, () =>
        {
            var stack = ParaioNetStack.Start(Path.Combine(_directory, "paraio"), _prefix + "g", _cancellation);
            return (stack, stack.Endpoints());
        });
        MeasureNamespaces(LinuxBridgePath, LinuxBridgeHow, unavailable, () =>
        {
            var pair = LinuxBridgePair.Create(_prefix + "l", _cancellation);
            return (pair, pair.Endpoints("veth pairs and br0 in " + pair.Switch));
        });

        return new NetReport("paraio-load net", startedAt, RunEnvironment.Current(), _duration.TotalSeconds, iperf.Version, ping.Version, root, s_fairness, Assemble());
    }

    /// <summary>(c): 64-byte frames guest → guest in this process.</summary>
    private void MeasureLibrary()
    {
        ProgressLog.Write($"{LibraryPath}: 64-byte frames guest → guest in this process, {s_ramp.TotalSeconds:0.#} s ramp + {_duration.TotalSeconds:0.#} s");
        try
        {
            var before = CpuSample.TakeTree(ChildProcess.LiveIds);
            var figures = NetLibraryMode.Run(s_ramp, _duration, burst: 1, _cancellation);
            var background = CpuSample.OtherCores(before, CpuSample.TakeTree(ChildProcess.LiveIds));
            _rows.Add(new NetRow(FramesMeasure, LibraryPath, NetLibraryMode.Description, null) { Frames = figures, BackgroundCores = background });
            ProgressLog.Write($"{LibraryPath}: {figures.FramesPerSecond:N0} frames/s delivered ({figures.SentPerSecond:N0} sent/s, {figures.Dropped:N0} dropped); other processes kept {background:0.00} cores busy");
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            ProgressLog.Write($"{LibraryPath}: unavailable: {Reason(e)}");
            _rows.Add(new NetRow(FramesMeasure, LibraryPath, NetLibraryMode.Description, Reason(e)));
        }
    }

    /// <summary>(a) or (b): sets the path up, pings, runs iperf3, tears it down; any failure makes its rows unavailable.</summary>
    private void MeasureNamespaces(string path, string how, string? unavailable, Func<(IDisposable Setup, NamespacePair Pair)> setUp)
    {
        if (unavailable is not null)
        {
            ProgressLog.Write($"{path}: unavailable: {unavailable}");
            Unavailable(path, how, unavailable);
            return;
        }

        IDisposable? setup = null;
        try
        {
            ProgressLog.Write($"{path}: setting up");
            (setup, var pair) = setUp();
            how = $"{how} ({pair.Detail})";
            ProgressLog.Write($"{path}: {pair.Client} ({pair.ClientAddress}) → {pair.Server} ({pair.ServerAddress}); ping, {Ping.Count} at {Ping.IntervalMs} ms");
            Measured(PingMeasure, path, how, () => Ping.Run(pair, _cancellation), (row, figures) => row with { Ping = figures }, f => $"p50 {f.P50Us:0.0} µs, avg {f.AvgUs:0.0} µs, {f.Received}/{f.Sent} replies");
            ProgressLog.Write($"{path}: iperf3 TCP, {_duration.TotalSeconds:0.#} s after 1 s omitted");
            Measured(TcpMeasure, path, how, () => Iperf3.Run(pair, _duration, _cancellation), (row, figures) => row with { Tcp = figures }, f => $"{f.Gbps:0.00} Gb/s, {f.Retransmits} retransmits");
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            ProgressLog.Write($"{path}: unavailable: {Reason(e)}");
            Unavailable(path, how, Reason(e));
        }
        finally
        {
            setup?.Dispose();
        }
    }

    private void Measured<T>(string measure, string path, string how, Func<T> run, Func<NetRow, T, NetRow> with, Func<T, string> describe)
    {
        try
        {
            var before = CpuSample.TakeTree(ChildProcess.LiveIds);
            var figures = run();
            var background = CpuSample.OtherCores(before, CpuSample.TakeTree(ChildProcess.LiveIds));
            _rows.Add(with(new NetRow(measure, path, how, null) { BackgroundCores = background }, figures));
            ProgressLog.Write($"{path}: {measure}: {describe(figures)}; other processes kept {background:0.00} cores busy");
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            ProgressLog.Write($"{path}: {measure}: unavailable: {Reason(e)}");
            _rows.Add(new NetRow(measure, path, how, Reason(e)));
        }
    }

    private void Unavailable(string path, string how, string reason)
    {
        foreach (var measure in new[] { TcpMeasure, PingMeasure })
        {
            if (!_rows.Any(r => r.Measure == measure && r.Path == path))
            {
                _rows.Add(new NetRow(measure, path, how, reason));
            }
        }
    }

    /// <summary>The report's rows in a fixed order, with ratios to the Linux bridge and the targets.</summary>
    private List<NetRow> Assemble()
    {
        NetRow? Find(string measure, string path) => _rows.FirstOrDefault(r => r.Measure == measure && r.Path == path);
        var bridgeTcp = Find(TcpMeasure, LinuxBridgePath)?.Tcp;
        var bridgePing = Find(PingMeasure, LinuxBridgePath)?.Ping;
        var rows = new List<NetRow>();
        foreach (var (measure, path) in new[]
        {
            (TcpMeasure, ParaIoPath), (TcpMeasure, LinuxBridgePath),
            (PingMeasure, ParaIoPath), (PingMeasure, LinuxBridgePath),
            (FramesMeasure, LibraryPath),
        })
        {
            if (Find(measure, path) is not { } row)
            {
                continue;
            }

            row = (measure, path) switch
            {
                (TcpMeasure, ParaIoPath) => row with
                {
                    OverLinuxBridge = row.Tcp is { } tcp && bridgeTcp is not null ? tcp.Gbps / bridgeTcp.Gbps : null,
                    Goal = $"≥ {TcpGoalGbps:0.#} Gb/s",
                    Met = row.Tcp?.Gbps >= TcpGoalGbps ? true : row.Tcp is null ? null : false,
                },
                (PingMeasure, ParaIoPath) => row with
                {
                    OverLinuxBridge = row.Ping is { } ping && bridgePing is not null ? ping.P50Us / bridgePing.P50Us : null,
                    Goal = $"p50 ≤ {RttGoalFactor:0.0}× {RelayRttUs:0} µs (a C TAP relay)",
                    Met = row.Ping is { } p ? p.P50Us <= RttGoalFactor * RelayRttUs : null,
                },
                (FramesMeasure, LibraryPath) => row with
                {
                    Goal = $"≥ {FramesGoal / 1e6:0.#} M frames/s",
                    Met = row.Frames is { } f ? f.FramesPerSecond >= FramesGoal : null,
                },
                _ => row,
            };
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A program's version line, or, when it is missing, why (with the apt package to install).</summary>
    private (string Version, string? Missing) Tool(string program, string package, string flag)
    {
        try
        {
            return (HostCommand.Version(program, package, flag, _cancellation), null);
        }
        catch (InvalidOperationException e)
        {
            ProgressLog.Write(e.Message);
            return ($"{program}: {Reason(e)}", Reason(e));
        }
    }

    private static string Reason(Exception e) =>
        string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(2));
}
