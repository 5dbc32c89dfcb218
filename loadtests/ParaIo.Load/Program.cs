using System.CommandLine;
using ParaIo.Load;
using ParaIo.Load.Block;
using ParaIo.Load.Demo;
using ParaIo.Load.Measurement;
using ParaIo.Load.Network;
using ParaIo.Load.Peers;
using ParaIo.Load.Qos;

var duration = new Option<double>("--duration")
{
    Description = "Seconds each transport of each scenario is measured for, after its warm-up.",
    DefaultValueFactory = _ => 3,
};
var warmup = new Option<double>("--warmup")
{
    Description = "Seconds each transport runs before measuring starts (the JIT tiers up, caches settle); not counted.",
    DefaultValueFactory = _ => 1,
};
var json = new Option<bool>("--json")
{
    Description = "Print one JSON document with every figure on stdout instead of the table (progress still goes to stderr).",
};
var scenario = new Option<string[]>("--scenario")
{
    Description = "Run only these scenarios (repeatable; default: all). "
        + "rtt-poll: round trip with both sides spinning, ParaIo ring vs Unix socket vs bare shared-memory slots. "
        + "rtt-block: round trip with both sides sleeping in the kernel, ParaIo event channels vs bare eventfd ping-pong vs Unix socket. "
        + "throughput: batched one-way 64-byte requests, ParaIo 16-page ring vs Unix socket vs bare SPSC slots. "
        + "zero-copy: 64 KiB payloads as 16 grant references mapped read-only by the backend vs the same bytes over a Unix socket.",
    AllowMultipleArgumentsPerToken = true,
};
scenario.AcceptOnlyFromAmong(RingRun.ScenarioNames);
var ring = new Command("ring", "Measure the ParaIo transport across two processes (this one and a peer it starts) against a Unix-domain socket, eventfd and bare shared memory, all in one run; prints a table, or JSON with --json.")
{
    duration,
    warmup,
    json,
    scenario,
};
ring.SetAction(parse =>
{
    var window = new MeasurementWindow(TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(duration)));
    if (window.Duration <= TimeSpan.Zero || window.Warmup < TimeSpan.Zero)
    {
        Console.Error.WriteLine("--duration must be above 0 and --warmup at least 0.");
        return 2;
    }

    return RingRun.Execute(window, parse.GetValue(json), parse.GetValue(scenario) ?? []);
});

var seconds = new Option<int>("--seconds")
{
    Description = "How long the demo streams traffic before it stops by itself.",
    DefaultValueFactory = _ => 10,
};
var diskSeconds = new Option<int>("--disk-seconds")
{
    Description = "How long each phase of the disk part runs (256 KiB writes, 256 KiB reads checked against what was written, 4 KiB random reads); 0 skips the disk part.",
    DefaultValueFactory = _ => 3,
};
var demo = new Command("demo", "Live demo, no root needed: first a ParaIo ring — a peer backend process, request/response traffic, requests/s, round-trip p50/p99, notifications and event channel wake-ups once a second; then a guest's disk — paraiod and paraio-guest started as an operator would, a 256 MiB disk written, flushed and read back through the guest's NBD export, with MB/s, IOPS and latency once a second.")
{
    seconds,
    diskSeconds,
};
demo.SetAction(parse =>
{
    var value = parse.GetValue(seconds);
    var disk = parse.GetValue(diskSeconds);
    if (value is < 1 or > 3600 || disk is < 0 or > 3600)
    {
        Console.Error.WriteLine("--seconds must be 1..3600 and --disk-seconds 0..3600.");
        return 2;
    }

    return DemoRun.Execute(value, disk);
});

var blkDuration = new Option<double>("--duration")
{
    Description = "Seconds each job is measured for, per target, after its warm-up.",
    DefaultValueFactory = _ => 5,
};
var blkWarmup = new Option<double>("--warmup")
{
    Description = "Seconds each job runs on each target before measuring starts (fio's --ramp_time; the guest's JIT tiers up, caches settle); not counted.",
    DefaultValueFactory = _ => 2,
};
var rounds = new Option<int>("--rounds")
{
    Description = "Runs each job this many times on each target, back to back, and reports the round with the median IOPS, with the range: steadier ratios on a machine whose speed drifts (1..9).",
    DefaultValueFactory = _ => 1,
};
var size = new Option<string>("--size")
{
    Description = "Size of the disk image every target serves: bytes, or with K, M, G (powers of 1024); a whole number of MiB.",
    DefaultValueFactory = _ => "1G",
};
var blkJson = new Option<bool>("--json")
{
    Description = "Print one JSON document with every figure on stdout instead of the table (progress still goes to stderr).",
};
var job = new Option<string[]>("--job")
{
    Description = "Run only these jobs (repeatable; default: all). "
        + "randread-4k-qd1 and randread-4k-qd32: 4 KiB random reads at queue depth 1 and 32 (the latter also in library mode). "
        + "seqread-64k and seqwrite-64k: 64 KiB sequential reads and writes at queue depth 8.",
    AllowMultipleArgumentsPerToken = true,
};
job.AcceptOnlyFromAmong([.. FioJob.Names]);
var keep = new Option<bool>("--keep")
{
    Description = "Keep the temporary directory (image, paraiod's state, sockets) and print where it is.",
};
var blk = new Command("blk", "Measure the block path with fio against its baselines in one run: the guest's NBD export through ParaIo, nbdkit serving the same image, and the image file itself; plus BlkFront to BlkBack in this process (library mode). Prints a table, or JSON with --json.")
{
    blkDuration,
    blkWarmup,
    rounds,
    size,
    blkJson,
    job,
    keep,
};
blk.SetAction(parse =>
{
    var seconds = parse.GetValue(blkDuration);
    var warmup = parse.GetValue(blkWarmup);
    if (!(seconds is > 0 and <= 3600) || !(warmup is >= 0 and <= 600))
    {
        Console.Error.WriteLine("--duration must be above 0 and at most 3600, --warmup 0..600.");
        return 2;
    }

    if (parse.GetValue(rounds) is not (>= 1 and <= 9))
    {
        Console.Error.WriteLine("--rounds must be 1 to 9.");
        return 2;
    }

    if (!ImageSize.TryParse(parse.GetValue(size), out var bytes))
    {
        Console.Error.WriteLine("--size must be a positive whole number of MiB, such as 1G, 256M or 1073741824.");
        return 2;
    }

    return BlockRun.Execute(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), parse.GetValue(rounds), bytes, parse.GetValue(blkJson), parse.GetValue(job) ?? [], parse.GetValue(keep));
});

var netDuration = new Option<double>("--duration")
{
    Description = "Seconds each iperf3 run and library mode are measured for, after 1 s that is not counted.",
    DefaultValueFactory = _ => 5,
};
var netJson = new Option<bool>("--json")
{
    Description = "Print one JSON document with every figure on stdout instead of the table (progress still goes to stderr).",
};
var netKeep = new Option<bool>("--keep")
{
    Description = "Keep the temporary directory (paraiod's state and socket) and print where it is.",
};
var net = new Command("net", "Measure the network path against the Linux bridge in one run: iperf3 TCP and ping guest to guest through ParaIo (two paraio-guest processes in their own network namespaces on one paraiod bridge) and through veth pairs and a Linux bridge; plus 64-byte frames guest to guest in this process (library mode). Needs root for the namespaces. Prints a table, or JSON with --json.")
{
    netDuration,
    netJson,
    netKeep,
};
net.SetAction(parse =>
{
    var seconds = parse.GetValue(netDuration);
    if (!(seconds is >= 1 and <= 3600))
    {
        Console.Error.WriteLine("--duration must be 1..3600.");
        return 2;
    }

    return NetRun.Execute(TimeSpan.FromSeconds(seconds), parse.GetValue(netJson), parse.GetValue(netKeep));
});

var qosDuration = new Option<int>("--duration")
{
    Description = "Seconds each phase lasts (whole seconds, iperf3's -t); the first second of each is not counted in its figures.",
    DefaultValueFactory = _ => 5,
};
var qosJson = new Option<bool>("--json")
{
    Description = "Print one JSON document with every figure and every sample-to-sample rate on stdout instead of the tables (progress still goes to stderr).",
};
var qosPlot = new Option<string?>("--plot")
{
    Description = "Also write the rates over time as an SVG to this file: a polyline per flow and for the total, the phases marked.",
};
var qosScenario = new Option<string[]>("--scenario")
{
    Description = "Run only these scenarios (repeatable; default: both). "
        + "figure4: the paper's Figure 4, one 200 Mb/s vNIC (committed = ceiling) with classes SAP 100, Exchange 70 and backup 30 Mb/s, a saturating iperf3 TCP flow each, in phases: all three, backup idle, SAP idle, all three again; an idle class's share is lent to the others in proportion to theirs. "
        + "oversubscription: a 300 Mb/s port with vNICs a0 (committed 100) and b0 (committed 150) at priority 4 and flood0 (best effort, priority 0), each flooding from its own guest, in phases: all three, flood0 idle, all three again; the flooder's priority buys it the spare, not the others' commitments.",
    AllowMultipleArgumentsPerToken = true,
};
qosScenario.AcceptOnlyFromAmong([.. QosScenario.Names]);
var qos = new Command("qos", "Measure vNIC QoS under saturating load through real paraiod and paraio-guest processes: each guest's vif is bound to a vNIC and sends iperf3 TCP flows to a server guest; paraiod's per-class and per-vNIC egress counters are read every 250 ms. Reports configured, expected and achieved rate per flow and phase with the error in percent, as tables or JSON, and optionally an SVG plot of the rates over time. Needs root (network namespaces and TAP interfaces); exits 2 without it. About 45 s with the defaults.\n\nExamples:\n  sudo paraio-load qos\n  sudo paraio-load qos --scenario figure4 --duration 8 --plot figure4.svg\n  sudo paraio-load qos --json > qos.json")
{
    qosDuration,
    qosJson,
    qosPlot,
    qosScenario,
};
qos.SetAction(parse =>
{
    var seconds = parse.GetValue(qosDuration);
    if (seconds is < 3 or > 600)
    {
        Console.Error.WriteLine("--duration must be 3..600 seconds: a phase needs a second to settle and two to measure.");
        return 2;
    }

    return QosRun.Execute(parse.GetValue(qosScenario) ?? [], TimeSpan.FromSeconds(seconds), parse.GetValue(qosJson), parse.GetValue(qosPlot));
});

var socketPath = new Option<string>("--socket") { Description = "Unix socket the parent listens on.", Required = true };
var parent = new Option<int>("--parent") { Description = "Process id of the parent; the peer exits when it is gone.", Required = true };
var peer = new Command("peer", "Internal: the backend half of a run, started by paraio-load itself.")
{
    socketPath,
    parent,
};
peer.Hidden = true;
peer.SetAction(parse => PeerHost.Run(parse.GetRequiredValue(socketPath), parse.GetRequiredValue(parent)));

var root = new RootCommand("paraio-load: cross-process load tests of the ParaIo transport, each against its baselines in the same run.")
{
    ring,
    blk,
    net,
    qos,
    demo,
    peer,
};
// Signals are handled by the commands themselves, which must reap their peer before they exit.
return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
