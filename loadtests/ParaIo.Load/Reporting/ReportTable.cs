using System.Globalization;
using Spectre.Console;

namespace ParaIo.Load.Reporting;

/// <summary>Renders a <see cref="RingReport"/> as one Spectre.Console table on stdout.</summary>
internal static class ReportTable
{
    /// <summary>Background load above which the figures are flagged as noisy: a tenth of a core.</summary>
    private const double NoisyCores = 0.1;

    public static void Write(IAnsiConsole console, RingReport report)
    {
        var table = new Table()
            .Border(TableBorder.Rounded)
            .Title($"paraio-load ring — {report.Environment.ProcessorCount} cores, {Markup.Escape(report.Environment.Runtime)}, warm-up {report.WarmupSeconds:0.#} s, {report.DurationSeconds:0.#} s per transport")
            .Caption("ratios: ParaIo ÷ baseline; below 1 is better for latencies (µs), above 1 is better for rates");
        table.AddColumn("scenario");
        table.AddColumn("metric");
        table.AddColumn(new TableColumn("ParaIo").RightAligned());
        table.AddColumn(new TableColumn("socket").RightAligned());
        table.AddColumn(new TableColumn("eventfd / limit").RightAligned());
        table.AddColumn(new TableColumn("ParaIo/socket").RightAligned());
        table.AddColumn(new TableColumn("ParaIo/limit").RightAligned());
        table.AddColumn("target");
        table.AddColumn("met");

        foreach (var scenario in report.Scenarios)
        {
            var first = true;
            foreach (var row in scenario.Rows)
            {
                table.AddRow(
                    first ? $"[bold]{Markup.Escape(scenario.Name)}[/]" : string.Empty,
                    Markup.Escape($"{row.Metric} ({row.Unit})"),
                    Number(row.ParaIo),
                    Number(row.Socket),
                    row.Limit is { } limit ? $"{Number(limit)} [dim]{Markup.Escape(row.LimitName ?? string.Empty)}[/]" : "[dim]—[/]",
                    Ratio(row.ParaIoOverSocket),
                    row.ParaIoOverLimit is { } ratio ? Ratio(ratio) : "[dim]—[/]",
                    Markup.Escape(row.Target ?? string.Empty),
                    row.Met switch
                    {
                        true => "[green]✔ met[/]",
                        false => "[red]✘ missed[/]",
                        null => string.Empty,
                    });
                first = false;
            }
        }

        console.Write(table);
        var noise = string.Join(", ", report.Scenarios.Select(s => $"{s.Name} {s.BackgroundCores:0.00}"));
        var noisy = report.Scenarios.Any(s => s.BackgroundCores > NoisyCores);
        console.MarkupLine(Markup.Escape($"cores kept busy by other processes meanwhile: {noise}") + (noisy ? " [yellow](a shared machine: these figures are noisy, run again when it is quiet)[/]" : string.Empty));
        var targets = report.Scenarios.SelectMany(s => s.Rows).Where(r => r.Met is not null).ToList();
        var missed = targets.Count(r => r.Met == false);
        console.MarkupLine(missed == 0
            ? $"[green]all {targets.Count} targets met[/]"
            : $"[red]{missed} of {targets.Count} targets missed[/]");
    }

    private static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "n/a";
        }

        return value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
    }

    private static string Ratio(double value) =>
        double.IsNaN(value) || double.IsInfinity(value)
            ? "n/a"
            : value.ToString(value < 0.1 ? "0.0000" : value < 100 ? "0.00" : "0", CultureInfo.InvariantCulture) + "×";
}
