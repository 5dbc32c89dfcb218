using System.Globalization;
using System.Text;

namespace ParaIo.Load.Reporting;

/// <summary>
/// Renders a <see cref="NetReport"/> as a plain-text table: one row per measurement and path, the
/// ratio to the Linux bridge, the targets and whether they were met.
/// </summary>
internal static class NetReportTable
{
    private const string Gap = "  ";
    private const double NoisyCores = 0.1;

    private static readonly string[] s_headers = ["measure", "path", "figure", "detail", "÷linux-bridge", "bg cores", "target set", "met"];
    private static readonly bool[] s_right = [false, false, true, false, true, true, false, false];

    public static void Write(TextWriter output, NetReport report)
    {
        var rows = report.Rows.Select(Row).ToList();
        var widths = new int[s_headers.Length];
        foreach (var row in rows.Prepend(s_headers))
        {
            for (var c = 0; c < row.Length - 1; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        var rule = new string('─', widths.Sum() + (Gap.Length * (widths.Length - 1)) + s_headers[^1].Length);
        output.WriteLine($"paraio-load net — {report.Environment.ProcessorCount} cores, {report.Environment.Runtime}, {report.DurationSeconds:0.#} s per iperf3 run and for library mode"
            + (report.Root ? string.Empty : "; not root: the namespace rows need root"));
        output.WriteLine(rule);
        output.WriteLine(Line(s_headers, widths));
        output.WriteLine(rule);
        string? measure = null;
        for (var i = 0; i < rows.Count; i++)
        {
            if (measure is not null && report.Rows[i].Measure != measure)
            {
                output.WriteLine();
            }

            measure = report.Rows[i].Measure;
            output.WriteLine(Line(rows[i], widths));
        }

        output.WriteLine(rule);
        output.WriteLine("÷linux-bridge: the row's figure over the Linux bridge's in the same run (tcp: above 1 is faster; ping: below 1 is faster)");
        output.WriteLine("bg cores: cores that processes outside this run kept busy meanwhile" + (report.Rows.Any(r => r.BackgroundCores > NoisyCores)
            ? "; rows marked ! ran on a busy machine, their figures are noisy: run again when it is quiet"
            : string.Empty));
        var paths = report.Rows.Select(r => r.Path).Distinct().ToList();
        var pad = paths.Max(p => p.Length);
        foreach (var path in paths)
        {
            output.WriteLine($"  {path.PadRight(pad)}  {string.Join("; ", report.Rows.Where(r => r.Path == path).Select(r => r.How).Distinct())}");
        }

        output.WriteLine($"{report.IperfVersion}; {report.PingVersion}");
        var goals = report.Rows.Where(r => r.Goal is not null).ToList();
        var missed = goals.Count(r => r.Met == false);
        var unknown = goals.Count(r => r.Met is null);
        output.WriteLine(missed == 0 && unknown == 0
            ? $"all {goals.Count} targets met"
            : $"{missed} of {goals.Count} targets missed" + (unknown > 0 ? $", {unknown} not measured" : string.Empty));
    }

    private static string[] Row(NetRow row)
    {
        var met = row.Met switch
        {
            true => "✔ met",
            false => "✘ missed",
            null when row.Unavailable is not null => $"unavailable: {row.Unavailable}",
            null when row.Goal is not null => "? baseline missing",
            null => string.Empty,
        };
        var (figure, detail) = row switch
        {
            { Tcp: { } tcp } => ($"{Number(tcp.Gbps)} Gb/s", $"{tcp.Retransmits:N0} retransmits, {tcp.Bytes / 1e9:0.0} GB in {tcp.Seconds:0.#} s"),
            { Ping: { } ping } => ($"p50 {Number(ping.P50Us)} µs", $"avg {Number(ping.AvgUs)}, min {Number(ping.MinUs)}, max {Number(ping.MaxUs)} µs; {ping.Received}/{ping.Sent} replies"),
            { Frames: { } frames } => ($"{frames.FramesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} frames/s", $"{frames.SentPerSecond.ToString("N0", CultureInfo.InvariantCulture)} sent/s, {frames.Dropped.ToString("N0", CultureInfo.InvariantCulture)} dropped, {frames.Cores:0.00} cores busy"),
            _ => ("—", string.Empty),
        };
        return
        [
            row.Measure,
            row.Path,
            figure,
            detail,
            row.OverLinuxBridge is { } ratio && double.IsFinite(ratio) ? ratio.ToString(ratio < 0.1 ? "0.000" : "0.00", CultureInfo.InvariantCulture) + "×" : string.Empty,
            row.BackgroundCores is { } cores ? cores.ToString("0.00", CultureInfo.InvariantCulture) + (cores > NoisyCores ? "!" : string.Empty) : string.Empty,
            row.Goal ?? string.Empty,
            met,
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

    private static string Number(double value) =>
        double.IsNaN(value) ? "n/a" : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
}
