using System.Globalization;
using System.Text.Json;
using ParaIo.Load.Reporting;

namespace ParaIo.Load.Block;

/// <summary>
/// Runs one fio job against one target and reads its JSON output: IOPS, bandwidth and the
/// completion latency's p50 and p99.
/// </summary>
internal static class Fio
{
    /// <summary>How long fio may take past its planned ramp and runtime before it counts as hung.</summary>
    private static readonly TimeSpan s_slack = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="job"/> for <paramref name="ramp"/> (not counted) plus <paramref name="duration"/>.</summary>
    public static BlockFigures Run(FioJob job, FioTarget target, TimeSpan ramp, TimeSpan duration, CancellationToken cancellation)
    {
        string[] arguments =
        [
            $"--name={job.Name}",
            $"--rw={job.Pattern}",
            $"--bs={job.BlockSize.ToString(CultureInfo.InvariantCulture)}",
            $"--iodepth={job.QueueDepth.ToString(CultureInfo.InvariantCulture)}",
            "--numjobs=1",
            "--time_based",
            $"--runtime={Seconds(duration)}",
            $"--ramp_time={Seconds(ramp)}",
            // fio's default drops the file's pages before the job (posix_fadvise DONTNEED); every
            // target must meet the same warm page cache.
            "--invalidate=0",
            // Random offsets without fio's map of blocks already done: the same cheap generator
            // for every target, and the same seed (fio's default), so all targets read the same blocks.
            .. job.IsRandom ? ["--norandommap"] : Array.Empty<string>(),
            .. target.Arguments(job),
            "--output-format=json",
        ];
        using var fio = ChildProcess.Start("fio", "fio", arguments, cancellation);
        var code = fio.WaitForExit(ramp + duration + s_slack, cancellation);
        if (code != 0)
        {
            throw new InvalidOperationException($"fio exited with {code}: {LastLine(fio.Tail)}");
        }

        return Parse(fio.Output, job);
    }

    /// <summary>Reads the figures of the job's direction from fio's JSON (which the nbd engine prefixes with a line of its own).</summary>
    public static BlockFigures Parse(string output, FioJob job)
    {
        var start = output.StartsWith('{') ? 0 : output.IndexOf("\n{", StringComparison.Ordinal) + 1;
        if (start <= 0 && !output.StartsWith('{'))
        {
            throw new InvalidDataException($"fio printed no JSON: {LastLine(output)}");
        }

        using var document = JsonDocument.Parse(output.AsMemory(start));
        var run = document.RootElement.GetProperty("jobs")[0];
        var error = run.GetProperty("error").GetInt32();
        if (error != 0)
        {
            throw new InvalidOperationException($"fio's job {job.Name} ended with error {error}.");
        }

        var side = run.GetProperty(job.Writes ? "write" : "read");
        var operations = side.GetProperty("total_ios").GetInt64();
        if (operations == 0)
        {
            throw new InvalidOperationException($"fio's job {job.Name} completed no I/O.");
        }

        var percentiles = side.GetProperty("clat_ns").GetProperty("percentile");
        return new BlockFigures(
            side.GetProperty("iops").GetDouble(),
            side.GetProperty("bw_bytes").GetDouble() / 1e6,
            percentiles.GetProperty("50.000000").GetDouble() / 1000,
            percentiles.GetProperty("99.000000").GetDouble() / 1000,
            operations,
            side.GetProperty("runtime").GetDouble() / 1000);
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms";

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : lines[^1];
    }
}
