using System.Globalization;
using System.Text.Json;
using ParaIo.Ctl.Commands;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human views of the <c>vnic-*</c> control results.</summary>
internal static class VnicView
{
    public static void Created(CtlConsole console, JsonElement vnic, string verb)
    {
        console.Out.WriteLine($"{verb} vNIC {JsonFields.Text(vnic, "name")}: MAC {JsonFields.Text(vnic, "mac")}, port {JsonFields.Text(vnic, "port")} (bridge {RateText.OrDash(vnic, "bridge")}), {Describe(vnic)}.");
        foreach (var cls in JsonFields.ItemsOrEmpty(vnic, "classes"))
        {
            console.Out.WriteLine($"  class {JsonFields.Text(cls, "name")}: {RateText.Field(cls, "committedRate")} on {string.Join(" ", JsonFields.ItemsOrEmpty(cls, "matches").Select(m => m.GetString()))}, priority {JsonFields.NumberText(cls, "priority")}{(RateText.Field(cls, "ceiling", "") is { Length: > 0 } c ? $", ceiling {c}" : "")}");
        }
    }

    public static void Deleted(CtlConsole console, JsonElement vnic) =>
        console.Out.WriteLine($"Deleted vNIC {JsonFields.Text(vnic, "name")} (MAC {JsonFields.Text(vnic, "mac")}, port {JsonFields.Text(vnic, "port")}).");

    public static void List(CtlConsole console, JsonElement result)
    {
        var vnics = JsonFields.Items(result, "vnic-list").ToList();
        if (vnics.Count == 0)
        {
            console.Out.WriteLine("No vNICs.");
            return;
        }

        console.Ansi.Write(Table(vnics));
    }

    /// <summary>A row a vNIC: identity, port, service level, classes, owner and users.</summary>
    public static Table Table(IEnumerable<JsonElement> vnics)
    {
        var table = new Table().AddColumns("Name", "MAC", "Port", "Committed", "Ceiling", "Prio", "Classes", "Profile", "Used by", "Sent", "Rate", "Dropped");
        foreach (var column in new[] { 3, 4, 5, 9, 10, 11 })
        {
            table.Columns[column].RightAligned();
        }

        foreach (var vnic in vnics)
        {
            var classes = string.Join(" ", JsonFields.ItemsOrEmpty(vnic, "classes").Select(c => JsonFields.Text(c, "text")));
            table.AddRow(
                new Text(JsonFields.Text(vnic, "name")),
                new Text(JsonFields.Text(vnic, "mac")),
                new Text(JsonFields.Text(vnic, "port")),
                new Text(RateText.Field(vnic, "committedRate")),
                new Text(RateText.Field(vnic, "ceiling")),
                new Text(JsonFields.NumberText(vnic, "priority")),
                new Text(classes.Length == 0 ? "-" : classes),
                new Text(RateText.OrDash(vnic, "profile")),
                new Text(RateText.Users(vnic)),
                new Text(RateText.Counter(vnic, "bytes", ByteSize.Format)),
                new Text(RateText.Counter(vnic, "rate", RateText.Format)),
                new Text(RateText.Counter(vnic, "dropped", d => d.ToString(CultureInfo.InvariantCulture))));
        }

        return table;
    }

    private static string Describe(JsonElement vnic) =>
        $"committed {RateText.Field(vnic, "committedRate")}, ceiling {RateText.Field(vnic, "ceiling", "none")}, priority {JsonFields.NumberText(vnic, "priority")}";
}
