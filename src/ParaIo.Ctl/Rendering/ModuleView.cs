using System.Globalization;
using System.Text.Json;
using ParaIo.Ctl.Commands;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human view of <c>module-list</c>: a row a port, with what is committed against its line rate.</summary>
internal static class ModuleView
{
    public static void List(CtlConsole console, JsonElement result)
    {
        var modules = JsonFields.Items(result, "module-list").ToList();
        if (modules.Count == 0)
        {
            console.Out.WriteLine("No fabric modules (see Paraiod:Fabric in paraiod's configuration).");
            return;
        }

        var table = new Table().AddColumns("Module", "Kind", "Members", "Port", "Bridge", "Line rate", "Committed", "Share", "Sent", "Rate");
        foreach (var column in new[] { 2, 5, 6, 7, 8, 9 })
        {
            table.Columns[column].RightAligned();
        }

        foreach (var module in modules)
        {
            var kind = JsonFields.Text(module, "kind");
            var members = JsonFields.NumberText(module, "members") + (RateText.Count(module, "maxMembers", "") is { Length: > 0 } max ? $"/{max}" : "");
            foreach (var port in JsonFields.ItemsOrEmpty(module, "ports"))
            {
                var line = JsonFields.Long(port, "lineRate");
                var committed = JsonFields.Long(port, "committed");
                table.AddRow(
                    new Text(JsonFields.Text(module, "name")),
                    new Text(kind.ToUpperInvariant()),
                    new Text(members),
                    new Text(JsonFields.Text(port, "port")),
                    new Text(RateText.OrDash(port, "bridge")),
                    new Text(RateText.Format(line)),
                    new Text(RateText.Format(committed)),
                    new Text(line > 0 ? (100.0 * committed / line).ToString("0.#", CultureInfo.InvariantCulture) + " %" : "?"),
                    new Text(RateText.Counter(port, "bytes", ByteSize.Format)),
                    new Text(RateText.Counter(port, "rate", RateText.Format)));
            }
        }

        console.Ansi.Write(table);
    }
}
