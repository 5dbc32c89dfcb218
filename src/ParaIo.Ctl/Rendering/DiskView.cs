using System.Text.Json;
using ParaIo.Ctl.Commands;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human views of the <c>disk-*</c> control results.</summary>
internal static class DiskView
{
    public static void Created(CtlConsole console, JsonElement result)
    {
        console.Out.WriteLine($"Created disk {JsonFields.Text(result, "name")}: {ByteSize.Format(JsonFields.Long(result, "bytes"))}, image {JsonFields.Text(result, "path")}.");
        console.Out.WriteLine($"Give it to a domain with: paraioctl disk attach {JsonFields.Text(result, "name")} DOMAIN");
    }

    public static void List(CtlConsole console, JsonElement result)
    {
        var disks = JsonFields.Items(result, "disk-list").ToList();
        if (disks.Count == 0)
        {
            console.Out.WriteLine("No disks.");
            return;
        }

        var table = new Table().AddColumns("Name", "Size", "Used", "Attached to", "Image");
        table.Columns[1].RightAligned();
        table.Columns[2].RightAligned();
        foreach (var disk in disks)
        {
            var users = JsonFields.ItemsOrEmpty(disk, "attachedTo")
                .Select(u => $"{JsonFields.Text(u, "domain")} {JsonFields.Text(u, "device")}{(JsonFields.Text(u, "mode") == "r" ? " (ro)" : "")}");
            table.AddRow(
                new Text(JsonFields.Text(disk, "name")),
                new Text(ByteSize.Format(JsonFields.Long(disk, "bytes"))),
                new Text(ByteSize.Format(JsonFields.Long(disk, "allocatedBytes"))),
                new Text(string.Join(", ", users) is { Length: > 0 } list ? list : "-"),
                new Text(JsonFields.Text(disk, "path")));
        }

        console.Ansi.Write(table);
    }
}
