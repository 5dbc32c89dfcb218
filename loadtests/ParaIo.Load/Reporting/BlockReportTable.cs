using System.Globalization;
using System.Text;

namespace ParaIo.Load.Reporting;

/// <summary>
/// Renders a <see cref="BlockReport"/> as a plain-text table (no Spectre markup, so it reads the
/// same in a terminal, a log or a pipe): one row per job and target, the ratios on the rows
/// compared with the baselines, the targets and whether they were met.
/// </summary>
internal static class BlockReportTable
{
    private const string Gap = "  ";

    /// <summary>Background load above which a row is flagged as noisy: a tenth of a core, as the ring report does.</summary>
    private const double NoisyCores = 0.1;

    private static readonly string[] s_headers = ["job", "target", "IOPS", "MB/s", "p50 µs", "p99 µs", "bg cores", "÷nbdkit", "÷file", "target set", "met"];

    /// <summary>Columns aligned to the right (the numbers).</summary>
    private static readonly bool[] s_right = [false, false, true, true, true, true, true, true, true, false, false];

    public static void Write(TextWriter output, BlockReport report)
    {
        var rows = new List<string[]>();
        foreach (var job in report.Jobs)
        {
            var first = true;
            foreach (var target in job.Targets)
            {
                rows.Add(Row(first ? job.Job : string.Empty, target));
                first = false;
            }
        }

        // The last column (met, or why a target is unavailable) is not padded, so a long reason
        // does not widen the table.
        var widths = new int[s_headers.Length];
        foreach (var row in rows.Prepend(s_headers))
        {
            for (var c = 0; c < row.Length - 1; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        var rule = new string('─', widths.Sum() + (Gap.Length * (widths.Length - 1)) + s_headers[^1].Length);
        output.WriteLine($"paraio-load blk — {report.Environment.ProcessorCount} cores, {report.Environment.Runtime}, {Bytes(report.ImageBytes)} image, "
            + $"{report.DurationSeconds:0.#} s per job and target after a {report.RampSeconds:0.#} s warm-up"
            + (report.Rounds > 1 ? $", each {report.Rounds} times: the median round, the IOPS range in brackets" : string.Empty));
        output.WriteLine(rule);
        output.WriteLine(Line(s_headers, widths));
        output.WriteLine(rule);
        var index = 0;
        foreach (var job in report.Jobs)
        {
            if (index > 0)
            {
                output.WriteLine();
            }

            foreach (var _ in job.Targets)
            {
                output.WriteLine(Line(rows[index++], widths));
            }
        }

        output.WriteLine(rule);
        output.WriteLine("ratios: IOPS of the row ÷ IOPS of nbdkit or the file in the same job (above 1 is faster); latency is fio's clat (submission to completion)");
        output.WriteLine("bg cores: cores that processes outside this run kept busy meanwhile" + (report.Jobs.SelectMany(j => j.Targets).Any(t => t.BackgroundCores > NoisyCores)
            ? "; rows marked ! ran on a busy machine, their figures are noisy: run again when it is quiet"
            : string.Empty));
        var targets = report.Jobs.SelectMany(j => j.Targets).Select(t => t.Target).Distinct().ToList();
        var pad = targets.Max(t => t.Length);
        foreach (var target in targets)
        {
            output.WriteLine($"  {target.PadRight(pad)}  {HowOf(report, target)}");
        }

        output.WriteLine($"{report.FioVersion}, {report.NbdkitVersion}");
        var goals = report.Jobs.SelectMany(j => j.Targets).Where(t => t.Goal is not null).ToList();
        var missed = goals.Count(t => t.Met == false);
        var unknown = goals.Count(t => t.Met is null);
        output.WriteLine(missed == 0 && unknown == 0
            ? $"all {goals.Count} targets met"
            : $"{missed} of {goals.Count} targets missed" + (unknown > 0 ? $", {unknown} not measured" : string.Empty));
    }

    private static string[] Row(string job, BlockTargetResult target)
    {
        if (target.Figures is not { } figures)
        {
            return [job, target.Target, "—", "—", "—", "—", string.Empty, "—", "—", target.Goal ?? string.Empty, $"unavailable: {target.Unavailable}"];
        }

        return
        [
            job,
            target.Target,
            figures.Iops.ToString("N0", CultureInfo.InvariantCulture) + (target.RoundIops is { Count: > 1 } rounds ? $" ({Thousands(rounds.Min(), up: false)}–{Thousands(rounds.Max(), up: true)})" : string.Empty),
            Number(figures.MegabytesPerSecond),
            Number(figures.P50Us),
            Number(figures.P99Us),
            target.BackgroundCores is { } cores ? cores.ToString("0.00", CultureInfo.InvariantCulture) + (cores > NoisyCores ? "!" : string.Empty) : string.Empty,
            Ratio(target.IopsOverNbdkit),
            Ratio(target.IopsOverFile),
            target.Goal ?? string.Empty,
            target.Met switch
            {
                true => "✔ met",
                false => "✘ missed",
                null when target.Goal is not null => "? baseline missing",
                null => string.Empty,
            },
        ];
    }

    private static string Line(string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                line.Append(Gap);
            }

            var last = c == cells.Length - 1;
            line.Append(last ? cells[c] : s_right[c] ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
        }

        return line.ToString().TrimEnd();
    }

    /// <summary>The path of a target; for the file, the engines of every job it ran, as they differ by queue depth.</summary>
    private static string HowOf(BlockReport report, string target) =>
        string.Join("; ", report.Jobs.SelectMany(j => j.Targets).Where(t => t.Target == target).Select(t => t.How).Distinct());

    /// <summary>
    /// IOPS in thousands (a decimal below 100k), the low end of a range rounded down and the high
    /// end up, so the range never appears to leave out the median beside it.
    /// </summary>
    private static string Thousands(double iops, bool up)
    {
        var step = iops < 100_000 ? 100 : 1000;
        var rounded = (up ? Math.Ceiling(iops / step) : Math.Floor(iops / step)) * step;
        return (rounded / 1000).ToString(step == 100 ? "0.0" : "0", CultureInfo.InvariantCulture) + "k";
    }

    private static string Number(double value) =>
        double.IsNaN(value) ? "n/a" : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string Ratio(double? value) =>
        value is not { } ratio || double.IsNaN(ratio) || double.IsInfinity(ratio) ? string.Empty : ratio.ToString(ratio < 0.1 ? "0.000" : "0.00", CultureInfo.InvariantCulture) + "×";

    private static string Bytes(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";
}
