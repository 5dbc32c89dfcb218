using System.Globalization;
using System.Net;
using System.Text;

namespace ParaIo.Load.Qos;

/// <summary>
/// The rates over time as a hand-written SVG: a panel per scenario with a polyline per flow and
/// one for the total, axes with ticks, the phases' boundaries and names, and a legend.
/// </summary>
internal static class QosPlot
{
    private const double Width = 960;
    private const double PanelHeight = 380;
    private const double Left = 60;
    private const double Right = 170;
    private const double Top = 40;
    private const double Bottom = 40;

    private static readonly string[] s_colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

    public static string Render(QosReport report)
    {
        var svg = new StringBuilder();
        var height = PanelHeight * report.Scenarios.Count;
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="sans-serif" font-size="12">""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""").Append('\n');
        for (var i = 0; i < report.Scenarios.Count; i++)
        {
            Panel(svg, report.Scenarios[i], i * PanelHeight);
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, QosScenarioResult scenario, double offset)
    {
        var plotWidth = Width - Left - Right;
        var plotHeight = PanelHeight - Top - Bottom;
        var x0 = Left;
        var y0 = offset + Top + plotHeight;
        var seconds = Math.Max(1, scenario.Phases.Max(p => p.EndSeconds));
        var peak = scenario.Series.SelectMany(s => s.Points).Select(p => p.Mbps).DefaultIfEmpty(1).Max();
        var step = NiceStep(peak / 5);
        var top = Math.Ceiling(peak * 1.05 / step) * step;
        double X(double t) => x0 + (t / seconds * plotWidth);
        double Y(double mbps) => y0 - (Math.Clamp(mbps, 0, top) / top * plotHeight);

        Text(svg, Left, offset + 20, $"paraio-load qos {scenario.Name}: rate per flow from paraiod's counters (Mb/s)", "start", bold: true);

        // Axes, grid and ticks.
        for (var mbps = 0.0; mbps <= top + 1e-9; mbps += step)
        {
            Line(svg, x0, Y(mbps), x0 + plotWidth, Y(mbps), "#e0e0e0", dashed: false);
            Text(svg, x0 - 6, Y(mbps) + 4, mbps.ToString("0", CultureInfo.InvariantCulture), "end", bold: false);
        }

        var tick = NiceStep(seconds / 10);
        for (var t = 0.0; t <= seconds + 1e-9; t += tick)
        {
            Line(svg, X(t), y0, X(t), y0 + 4, "black", dashed: false);
            Text(svg, X(t), y0 + 16, t.ToString("0.#", CultureInfo.InvariantCulture), "middle", bold: false);
        }

        Line(svg, x0, y0, x0 + plotWidth, y0, "black", dashed: false);
        Line(svg, x0, y0, x0, y0 - plotHeight, "black", dashed: false);
        Text(svg, x0 + (plotWidth / 2), y0 + 32, "seconds", "middle", bold: false);

        // Phases: a dashed line where each begins, its name above the plot.
        foreach (var phase in scenario.Phases)
        {
            Line(svg, X(phase.StartSeconds), y0, X(phase.StartSeconds), y0 - plotHeight, "#888888", dashed: true);
            Text(svg, X((phase.StartSeconds + phase.EndSeconds) / 2), y0 - plotHeight - 4, phase.Name, "middle", bold: false);
        }

        // A polyline per series, and the legend.
        for (var i = 0; i < scenario.Series.Count; i++)
        {
            var series = scenario.Series[i];
            var colour = i == scenario.Series.Count - 1 ? "black" : s_colours[i % s_colours.Length];
            var points = string.Join(' ', series.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Seconds):0.#},{Y(p.Mbps):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>""").Append('\n');
            var ly = offset + Top + 10 + (i * 18);
            Line(svg, Width - Right + 15, ly, Width - Right + 40, ly, colour, dashed: false);
            Text(svg, Width - Right + 46, ly + 4, series.Label, "start", bold: false);
        }
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1e-9))));
        return new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
    }

    private static void Line(StringBuilder svg, double x1, double y1, double x2, double y2, string colour, bool dashed) =>
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{x1:0.#}" y1="{y1:0.#}" x2="{x2:0.#}" y2="{y2:0.#}" stroke="{colour}"{(dashed ? " stroke-dasharray=\"4 3\"" : string.Empty)}/>""").Append('\n');

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, bool bold) =>
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x:0.#}" y="{y:0.#}" text-anchor="{anchor}"{(bold ? " font-weight=\"bold\"" : string.Empty)}>{WebUtility.HtmlEncode(text)}</text>""").Append('\n');
}
