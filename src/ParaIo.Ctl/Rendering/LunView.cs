using System.Text.Json;
using ParaIo.Ctl.Commands;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human views of the <c>lun-*</c> control results.</summary>
internal static class LunView
{
    public static void Masking(CtlConsole console, JsonElement lun, string verb)
    {
        console.Out.WriteLine($"{verb} LUN {JsonFields.Text(lun, "name")} ({JsonFields.Text(lun, "kind")}, {ByteSize.Format(JsonFields.Long(lun, "bytes"))}); masked to: {Masks(lun)}.");
    }

    public static void List(CtlConsole console, JsonElement result)
    {
        var luns = JsonFields.Items(result, "lun-list").ToList();
        if (luns.Count == 0)
        {
            console.Out.WriteLine("No LUNs.");
            return;
        }

        var table = new Table().AddColumns("Name", "Kind", "Size", "Masked to", "Used by", "Image / URI");
        table.Columns[2].RightAligned();
        foreach (var lun in luns)
        {
            table.AddRow(
                new Text(JsonFields.Text(lun, "name")),
                new Text(JsonFields.Text(lun, "kind")),
                new Text(ByteSize.Format(JsonFields.Long(lun, "bytes"))),
                new Text(Masks(lun)),
                new Text(RateText.Users(lun)),
                new Text(RateText.OrDash(lun, "path")));
        }

        console.Ansi.Write(table);
    }

    private static string Masks(JsonElement lun)
    {
        var masks = string.Join(", ", JsonFields.ItemsOrEmpty(lun, "masks").Select(m => RateText.OrDash(m, "vhba") is var vhba && vhba != "-" ? $"{vhba} ({JsonFields.Text(m, "wwpn")})" : JsonFields.Text(m, "wwpn")));
        return masks.Length == 0 ? "nobody" : masks;
    }
}
