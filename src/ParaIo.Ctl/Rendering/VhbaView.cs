using System.Text.Json;
using ParaIo.Ctl.Commands;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human views of the <c>vhba-*</c> control results.</summary>
internal static class VhbaView
{
    public static void Created(CtlConsole console, JsonElement vhba, string verb)
    {
        console.Out.WriteLine(
            $"{verb} vHBA {JsonFields.Text(vhba, "name")}: WWPN {JsonFields.Text(vhba, "wwpn")}, port {JsonFields.Text(vhba, "port")}, committed {RateText.Field(vhba, "committedRate")}, " +
            $"limit {RateText.Field(vhba, "bandwidthLimit", "none")}, IOPS limit {RateText.Count(vhba, "iopsLimit", "none")}, priority {JsonFields.NumberText(vhba, "priority")}.");
        var luns = string.Join(", ", JsonFields.ItemsOrEmpty(vhba, "luns").Select(l => l.GetString()));
        console.Out.WriteLine($"  sees LUNs: {(luns.Length == 0 ? "none (paraioctl lun mask LUN " + JsonFields.Text(vhba, "name") + ")" : luns)}");
    }

    public static void Deleted(CtlConsole console, JsonElement vhba) =>
        console.Out.WriteLine($"Deleted vHBA {JsonFields.Text(vhba, "name")} (WWPN {JsonFields.Text(vhba, "wwpn")}) and unmasked it from every LUN.");

    public static void List(CtlConsole console, JsonElement result)
    {
        var vhbas = JsonFields.Items(result, "vhba-list").ToList();
        if (vhbas.Count == 0)
        {
            console.Out.WriteLine("No vHBAs.");
            return;
        }

        console.Ansi.Write(Table(vhbas));
    }

    /// <summary>A row a vHBA: identity, port, service level, LUNs it sees, owner, users and counters.</summary>
    public static Table Table(IEnumerable<JsonElement> vhbas)
    {
        var table = new Table().AddColumns("Name", "WWPN", "Port", "Committed", "Limit", "IOPS", "Prio", "LUNs", "Profile", "Used by", "Sent", "Rate");
        foreach (var column in new[] { 3, 4, 5, 6, 10, 11 })
        {
            table.Columns[column].RightAligned();
        }

        foreach (var vhba in vhbas)
        {
            var luns = string.Join(", ", JsonFields.ItemsOrEmpty(vhba, "luns").Select(l => l.GetString()));
            table.AddRow(
                new Text(JsonFields.Text(vhba, "name")),
                new Text(JsonFields.Text(vhba, "wwpn")),
                new Text(JsonFields.Text(vhba, "port")),
                new Text(RateText.Field(vhba, "committedRate")),
                new Text(RateText.Field(vhba, "bandwidthLimit")),
                new Text(RateText.Count(vhba, "iopsLimit")),
                new Text(JsonFields.NumberText(vhba, "priority")),
                new Text(luns.Length == 0 ? "-" : luns),
                new Text(RateText.OrDash(vhba, "profile")),
                new Text(RateText.Users(vhba)),
                new Text(RateText.Counter(vhba, "bytes", ByteSize.Format)),
                new Text(RateText.Counter(vhba, "rate", RateText.Format)));
        }

        return table;
    }
}
