using System.Text.Json;
using ParaIo.Store.Xenbus;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human view of <c>device-list</c>: one row a device, both ends' states named.</summary>
internal static class DeviceView
{
    public static void List(CtlConsole console, JsonElement result)
    {
        var devices = JsonFields.Items(result, "device-list").ToList();
        if (devices.Count == 0)
        {
            console.Out.WriteLine("No devices.");
            return;
        }

        var table = new Table().AddColumns("Domain", "Domid", "Device", "Frontend", "Backend", "Frontend path", "Backend path");
        table.Columns[1].RightAligned();
        foreach (var device in devices)
        {
            table.AddRow(
                new Text(JsonFields.Text(device, "domain")),
                new Text(JsonFields.NumberText(device, "domid")),
                new Text($"{JsonFields.Text(device, "type")}/{JsonFields.NumberText(device, "id")}"),
                StateCell(JsonFields.Number(device, "frontendState")),
                StateCell(JsonFields.Number(device, "backendState")),
                new Text(JsonFields.Text(device, "frontendPath")),
                new Text(JsonFields.Text(device, "backendPath")));
        }

        console.Ansi.Write(table);
    }

    private static Text StateCell(int? state)
    {
        // Colour only where the terminal has it: Connected is good news, a missing or closed end is not.
        var style = state switch
        {
            (int)XenbusState.Connected => new Style(Color.Green),
            -1 or (int)XenbusState.Closing or (int)XenbusState.Closed => new Style(Color.Red),
            _ => Style.Plain,
        };
        return new Text(XenbusStates.Describe(state), style);
    }
}
