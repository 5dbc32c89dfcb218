using System.Diagnostics;
using System.Globalization;
using ParaIo.Load.Measurement;
using ParaIo.Load.Reporting;

namespace ParaIo.Load.Block;

/// <summary>
/// <c>paraio-load blk</c>: the block path against its baselines in one run. fio measures each job
/// against the guest's NBD export through ParaIo, against nbdkit serving the same image, and
/// against the image file itself; library mode measures BlkFront → BlkBack in this process. The
/// targets run in turn (never two at once: they share the image and the two cores). A target
/// whose setup or run fails is reported as unavailable, and the others still run.
/// </summary>
internal sealed class BlockRun
{
    public const string ParaIoTarget = "paraio";
    public const string NbdkitTarget = "nbdkit";
    public const string FileTarget = "file";
    public const string LibraryTarget = "library";
    public const string PooledLibraryTarget = "library-pool";

    private const string ParaIoHow = "fio nbd engine (libnbd) → paraio-guest's NBD export → BlkFront → ring and grants → paraiod's BlkBack → the image";

    private const string NbdkitHow = "fio nbd engine (libnbd) → nbdkit's file plugin → the image";

    /// <summary>ParaIo's export against nbdkit's, IOPS, at queue depths 1 and 32.</summary>
    private const double NbdkitGoal = 0.8;

    /// <summary>Library mode's 4 KiB random reads per second at queue depth 32.</summary>
    private const double LibraryGoal = 200_000;

    /// <summary>Each job runs this long before fio (or library mode) starts counting: JIT tiering, connections, caches.</summary>

    private static readonly string[] s_fairness =
    [
        "one image file for all targets: the disk paraioctl created (or, when paraiod is unavailable, one made here), prefilled with fio's data and fsynced",
        "warm: the image is read once end to end before the first target, and every job runs with --invalidate=0, so reads come from the page cache on every target",
        "buffered everywhere: the file target uses --direct=0, as nbdkit's file plugin and ParaIo's FileLun read and write through the page cache",
        "same jobs, same offsets: one fio command line per job, fio's default random seed, --norandommap, a warm-up not counted (--ramp_time: the guest's JIT tiers up, caches settle), then --runtime with --time_based",
        "targets in turn, never together; after a target's write job the image is fsynced (not timed) so its writeback does not fall into the next target's reads",
        "file engine: psync at queue depth 1 (one pread per I/O, as a server thread does), io_uring above (libaio when fio lacks io_uring)",
        "paraiod and paraio-guest run with their defaults (FileLun reads on the thread pool, BlkFront completions on the thread pool); library-pool measures that setting without NBD, library the fastest one",
    ];

    private readonly IReadOnlyList<FioJob> _jobs;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _ramp;
    private readonly int _rounds;
    private readonly string _directory;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<(string Job, string Target), BlockTargetResult> _results = [];

    private BlockRun(IReadOnlyList<FioJob> jobs, TimeSpan duration, TimeSpan ramp, int rounds, string directory, CancellationToken cancellation)
    {
        _jobs = jobs;
        _duration = duration;
        _ramp = ramp;
        _rounds = rounds;
        _directory = directory;
        _cancellation = cancellation;
    }

    /// <summary>Runs the chosen jobs against every target and prints the report; returns the exit code.</summary>
    public static int Execute(TimeSpan duration, TimeSpan ramp, int rounds, long imageBytes, bool json, IReadOnlyCollection<string> jobNames, bool keep)
    {
        var jobs = jobNames.Count == 0 ? FioJob.All : FioJob.All.Where(j => jobNames.Contains(j.Name)).ToList();
        var startedAt = DateTimeOffset.UtcNow;
        using var interruption = new Interruption();
        var directory = Directory.CreateTempSubdirectory("paraio-blk-").FullName;
        var run = new BlockRun(jobs, duration, ramp, rounds, directory, interruption.Token);
        BlockReport report;
        try
        {
            report = run.Measure(imageBytes, startedAt);
        }
        catch (Exception e) when (interruption.IsRequested)
        {
            ProgressLog.Write($"interrupted ({e.GetType().Name}); every child process was reaped.");
            return 130;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("apt-get install", StringComparison.Ordinal))
        {
            ProgressLog.Write($"failed: {e.Message}");
            return 1;
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
            JsonReport.Write(report, ReportJsonContext.Default.BlockReport);
        }
        else
        {
            BlockReportTable.Write(Console.Out, report);
        }

        if (!report.Jobs.SelectMany(j => j.Targets).Any(t => t.Figures is not null))
        {
            ProgressLog.Write("no target could be measured.");
            return 1;
        }

        return 0;
    }

    private BlockReport Measure(long imageBytes, DateTimeOffset startedAt)
    {
        var fio = HostTools.Version("fio", "fio", _cancellation);
        var nbdkit = HostTools.Version("nbdkit", "nbdkit", _cancellation);
        var engines = HostTools.FioEngines(_cancellation);
        var queuedEngine = engines.Contains("io_uring") ? "io_uring" : "libaio";
        var noNbd = engines.Contains("nbd") ? null : $"{fio} has no nbd engine (fio --enghelp); Debian's and Ubuntu's fio packages have it, built with libnbd";
        ProgressLog.Write($"{fio}, {nbdkit}; file engine above queue depth 1: {queuedEngine}; working in {_directory}");

        var (image, bytes) = MeasureParaIo(imageBytes, noNbd);
        Settle(image);
        MeasureNbdkit(image, noNbd);
        Settle(image);
        RunFio(FileTarget, $"fio psync at queue depth 1, {queuedEngine} above, on the image file, --direct=0", FioTarget.File(image, bytes, queuedEngine));
        Settle(image);
        if (_jobs.Contains(FioJob.RandomRead4KQd32))
        {
            RunLibrary(image, LibraryTarget, inline: true);
            RunLibrary(image, PooledLibraryTarget, inline: false);
        }

        return new BlockReport("paraio-load blk", startedAt, RunEnvironment.Current(), _duration.TotalSeconds, _ramp.TotalSeconds, bytes, fio, nbdkit, s_fairness, Assemble()) { Rounds = _rounds };
    }

    /// <summary>
    /// Target (a). paraiod makes the disk, so it comes first, and the image is filled before the
    /// domain exists (no backend has it open yet). When paraiod or paraioctl fails, the other
    /// targets get an image made here and the paraio rows say why. Returns the image every
    /// target then uses.
    /// </summary>
    private (string Image, long Bytes) MeasureParaIo(long imageBytes, string? noNbd)
    {
        ParaioStack? stack = null;
        var unavailable = noNbd;
        try
        {
            stack = noNbd is null ? ParaioStack.Start(_directory, imageBytes, _cancellation) : null;
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            unavailable = Reason(e);
            ProgressLog.Write($"{ParaIoTarget}: unavailable: {unavailable}");
        }

        using (stack)
        {
            var image = stack?.ImagePath ?? CreateImage(imageBytes);
            var bytes = stack?.Bytes ?? imageBytes;
            Prefill(image, bytes);
            if (stack is not null)
            {
                try
                {
                    RunFio(ParaIoTarget, ParaIoHow, FioTarget.Nbd(stack.Export()));
                }
                catch (Exception e) when (!_cancellation.IsCancellationRequested)
                {
                    unavailable = Reason(e);
                    ProgressLog.Write($"{ParaIoTarget}: unavailable: {unavailable}");
                }
            }

            if (unavailable is not null)
            {
                MarkUnavailable(ParaIoTarget, ParaIoHow, unavailable);
            }

            return (image, bytes);
        }
    }

    /// <summary>Target (b): nbdkit's file plugin on the same image, started only now that the ParaIo stack is gone.</summary>
    private void MeasureNbdkit(string image, string? noNbd)
    {
        try
        {
            if (noNbd is not null)
            {
                throw new InvalidOperationException(noNbd);
            }

            using var server = NbdkitServer.Start(image, _directory, _cancellation);
            ProgressLog.Write($"{NbdkitTarget}: serving {image} on {server.SocketPath}.");
            RunFio(NbdkitTarget, NbdkitHow, FioTarget.Nbd(server.SocketPath));
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            ProgressLog.Write($"{NbdkitTarget}: unavailable: {Reason(e)}");
            MarkUnavailable(NbdkitTarget, NbdkitHow, Reason(e));
        }
    }

    /// <summary>Runs every job against one target; a job that fails is reported as unavailable and the next one still runs.</summary>
    private void RunFio(string name, string how, FioTarget target)
    {
        foreach (var job in _jobs)
        {
            ProgressLog.Write($"{name}: {job.Name} ({job.Description}, fio --ioengine={target.Engine(job)}), {_ramp.TotalSeconds:0.#} s warm-up + {_duration.TotalSeconds:0.#} s" + RoundsNote());
            Measure(job, name, how, () => Fio.Run(job, target, _ramp, _duration, _cancellation));
        }
    }

    private void RunLibrary(string image, string name, bool inline)
    {
        var job = FioJob.RandomRead4KQd32;
        var how = inline ? LibraryMode.InlineDescription : LibraryMode.PooledDescription;
        ProgressLog.Write($"{name}: {job.Name} in this process, {_ramp.TotalSeconds:0.#} s warm-up + {_duration.TotalSeconds:0.#} s" + RoundsNote());
        Measure(job, name, how, () => LibraryMode.Run(image, inline, _ramp, _duration, _cancellation));
    }

    /// <summary>
    /// Runs one job on one target <see cref="_rounds"/> times back to back and keeps the round with
    /// the median IOPS (the lower middle of an even count), the IOPS of every round, and the busiest
    /// background seen; a round that fails makes the row unavailable.
    /// </summary>
    private void Measure(FioJob job, string name, string how, Func<BlockFigures> run)
    {
        var rounds = new List<(BlockFigures Figures, double Background)>();
        try
        {
            for (var round = 1; round <= _rounds; round++)
            {
                var before = CpuSample.TakeTree(ChildProcess.LiveIds);
                var figures = run();
                var background = CpuSample.OtherCores(before, CpuSample.TakeTree(ChildProcess.LiveIds));
                rounds.Add((figures, background));
                var which = _rounds > 1 ? $" (round {round} of {_rounds})" : string.Empty;
                ProgressLog.Write($"{name}: {job.Name}{which}: {figures.Iops:N0} IOPS, {figures.MegabytesPerSecond:0.0} MB/s, p50 {figures.P50Us:0.0} µs, p99 {figures.P99Us:0.0} µs; other processes kept {background:0.00} cores busy");
            }
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            ProgressLog.Write($"{name}: {job.Name}: unavailable: {Reason(e)}");
            _results[(job.Name, name)] = new BlockTargetResult(name, how, null, Reason(e));
            return;
        }

        var median = rounds.OrderBy(r => r.Figures.Iops).ElementAt((rounds.Count - 1) / 2);
        _results[(job.Name, name)] = new BlockTargetResult(name, how, median.Figures, null)
        {
            BackgroundCores = rounds.Max(r => r.Background),
            RoundIops = rounds.Count > 1 ? [.. rounds.Select(r => r.Figures.Iops)] : null,
        };
    }

    private string RoundsNote() => _rounds > 1 ? $", {_rounds} rounds" : string.Empty;

    private void MarkUnavailable(string name, string how, string reason)
    {
        foreach (var job in _jobs)
        {
            _results.TryAdd((job.Name, name), new BlockTargetResult(name, how, null, reason));
        }
    }

    /// <summary>The report's rows: every job's targets in a fixed order, with ratios and goals.</summary>
    private List<BlockJobResult> Assemble()
    {
        var jobs = new List<BlockJobResult>();
        foreach (var job in _jobs)
        {
            var nbdkit = Figures(job, NbdkitTarget);
            var file = Figures(job, FileTarget);
            var targets = new List<BlockTargetResult>();
            foreach (var name in new[] { ParaIoTarget, NbdkitTarget, FileTarget, LibraryTarget, PooledLibraryTarget })
            {
                if (!_results.TryGetValue((job.Name, name), out var result))
                {
                    continue;
                }

                if (name is ParaIoTarget or LibraryTarget or PooledLibraryTarget && result.Figures is { } figures)
                {
                    result = result with
                    {
                        IopsOverNbdkit = nbdkit is null ? null : figures.Iops / nbdkit.Iops,
                        IopsOverFile = file is null ? null : figures.Iops / file.Iops,
                        P50OverNbdkit = nbdkit is null ? null : figures.P50Us / nbdkit.P50Us,
                    };
                }

                targets.Add(WithGoal(job, result));
            }

            jobs.Add(new BlockJobResult(job.Name, job.Description, targets));
        }

        return jobs;
    }

    private static BlockTargetResult WithGoal(FioJob job, BlockTargetResult result) => result.Target switch
    {
        ParaIoTarget when job == FioJob.RandomRead4KQd1 || job == FioJob.RandomRead4KQd32 => result with
        {
            Goal = $"≥ {NbdkitGoal:0.0#}× nbdkit IOPS",
            Met = result.IopsOverNbdkit is { } ratio ? ratio >= NbdkitGoal : null,
        },
        LibraryTarget => result with
        {
            Goal = $"≥ {LibraryGoal / 1000:0}k IOPS",
            Met = result.Figures is { } figures ? figures.Iops >= LibraryGoal : null,
        },
        _ => result,
    };

    private BlockFigures? Figures(FioJob job, string target) =>
        _results.TryGetValue((job.Name, target), out var result) ? result.Figures : null;

    /// <summary>An image of the asked size, when paraiod could not make one.</summary>
    private string CreateImage(long bytes)
    {
        var path = Path.Combine(_directory, "bench.img");
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite);
        RandomAccess.SetLength(handle, bytes);
        ProgressLog.Write($"image {path} ({bytes} bytes) made here, as paraiod did not make it.");
        return path;
    }

    /// <summary>
    /// Writes every block of the image (fio's buffer contents, not zeros or holes) and fsyncs it,
    /// then reads it end to end once, so every target's reads come from the same warm page cache.
    /// fio opens the file without a lock, so paraiod may already hold it.
    /// </summary>
    private void Prefill(string image, long bytes)
    {
        var clock = Stopwatch.StartNew();
        foreach (var (pattern, extra) in new[] { ("write", "--end_fsync=1"), ("read", "--invalidate=0") })
        {
            using var fio = ChildProcess.Start(
                "fio",
                "fio",
                [$"--name=prefill-{pattern}", $"--filename={image}", $"--size={bytes.ToString(CultureInfo.InvariantCulture)}", $"--rw={pattern}", "--bs=1M", "--ioengine=psync", "--direct=0", "--invalidate=0", extra, "--output-format=json"],
                _cancellation);
            var code = fio.WaitForExit(TimeSpan.FromMinutes(10), _cancellation);
            if (code != 0)
            {
                throw new InvalidOperationException($"fio could not {pattern} the image: {fio.Tail}");
            }
        }

        ProgressLog.Write($"image {image} filled, flushed and read once ({clock.Elapsed.TotalSeconds:0.0} s).");
    }

    /// <summary>fsyncs the image after a target: its write job's dirty pages go now, not during the next target's reads.</summary>
    private static void Settle(string image)
    {
        var clock = Stopwatch.StartNew();
        using var handle = File.OpenHandle(image, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        RandomAccess.FlushToDisk(handle);
        ProgressLog.Write($"image flushed ({clock.Elapsed.TotalSeconds:0.0} s, not timed).");
    }

    /// <summary>The first lines of an exception's message, joined: the report keeps one line per unavailable target.</summary>
    private static string Reason(Exception e) =>
        string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(2));
}
