using System.Globalization;
using Spectre.Console;

namespace ParaIo.Load.Qos;

/// <summary>Renders a <see cref="QosReport"/> as a Spectre.Console table per scenario: configured, expected and achieved rate per flow and phase.</summary>
internal static class QosReportTable
{
    /// <summary>The tolerance a rate is held to (the fabric's ±5 %): errors beyond it are shown red.</summary>
    private const double TolerancePercent = 5;

    public static void Write(IAnsiConsole console, QosReport report)
    {
        foreach (var scenario in report.Scenarios)
        {
            var table = new Table()
                .Border(TableBorder.Rounded)
                .Title(Markup.Escape($"paraio-load qos {scenario.Name} — {report.Environment.ProcessorCount} cores, {report.PhaseSeconds:0.#} s a phase, achieved over the last {report.PhaseSeconds - report.SettleSeconds:0.#} s of each"))
                .Caption(Markup.Escape($"{scenario.Description}. configured: the guarantee; expected: what the scheduler should give (guarantee + what idle or spare capacity it is lent); error: achieved against expected. Counters read every {report.SampleMilliseconds:0} ms. {report.IperfVersion}"));
            table.AddColumn("phase");
            table.AddColumn("flow");
            table.AddColumn(new TableColumn("configured Mb/s").RightAligned());
            table.AddColumn(new TableColumn("expected Mb/s").RightAligned());
            table.AddColumn(new TableColumn("achieved Mb/s").RightAligned());
            table.AddColumn(new TableColumn("error").RightAligned());
            foreach (var phase in scenario.Phases)
            {
                var first = true;
                foreach (var row in phase.Rows)
                {
                    var total = ReferenceEquals(row, phase.Rows[^1]);
                    table.AddRow(
                        first ? $"[bold]{Markup.Escape(phase.Name)}[/]" : string.Empty,
                        total ? $"[italic]{Markup.Escape(row.Subject)}[/]" : Markup.Escape(row.Subject),
                        Number(row.ConfiguredMbps),
                        Number(row.ExpectedMbps),
                        Number(row.AchievedMbps),
                        Error(row.ErrorPercent));
                    first = false;
                }
            }

            console.Write(table);
        }
    }

    private static string Number(double mbps) => mbps.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Error(double percent)
    {
        if (double.IsNaN(percent))
        {
            return "[dim]—[/]";
        }

        var text = Math.Round(percent, 1).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " %";
        return Math.Abs(percent) <= TolerancePercent ? $"[green]{text}[/]" : $"[red]{text}[/]";
    }
}
