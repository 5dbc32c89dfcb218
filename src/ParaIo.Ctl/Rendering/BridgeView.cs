using System.Globalization;
using System.Text.Json;
using ParaIo.Ctl.Commands;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human views of the <c>bridge-*</c> control results.</summary>
internal static class BridgeView
{
    public static void List(CtlConsole console, JsonElement result)
    {
        var bridges = JsonFields.Items(result, "bridge-list").ToList();
        if (bridges.Count == 0)
        {
            console.Out.WriteLine("No bridges (a bridge is made when its first vif connects or an uplink is added).");
            return;
        }

        var table = new Table().AddColumns("Name", "Ports", "Vifs", "Uplinks", "Addresses", "Aging", "Frames in", "Bytes in");
        for (var i = 1; i < 8; i++)
        {
            table.Columns[i].RightAligned();
        }

        foreach (var bridge in bridges)
        {
            table.AddRow(
                new Text(JsonFields.Text(bridge, "name")),
                new Text(JsonFields.NumberText(bridge, "ports")),
                new Text(JsonFields.NumberText(bridge, "vifs")),
                new Text(JsonFields.NumberText(bridge, "uplinks")),
                new Text(JsonFields.NumberText(bridge, "addresses")),
                new Text(Seconds(bridge, "agingSeconds")),
                new Text(JsonFields.Text(bridge, "rxFrames")),
                new Text(ByteSize.Format(JsonFields.Long(bridge, "rxBytes"))));
        }

        console.Ansi.Write(table);
    }

    public static void Show(CtlConsole console, JsonElement result)
    {
        console.Out.WriteLine($"Bridge {JsonFields.Text(result, "name")}, MAC aging {Seconds(result, "agingSeconds")}");
        var ports = JsonFields.ItemsOrEmpty(result, "ports").ToList();
        if (ports.Count == 0)
        {
            console.Out.WriteLine("No ports.");
        }
        else
        {
            var table = new Table().AddColumns("Port", "Kind", "Domain / netns / tunnel", "VLAN", "Frames in", "Bytes in", "Frames out", "Bytes out", "Dropped in", "Dropped out", "Flooded", "Errors");
            for (var i = 4; i < 12; i++)
            {
                table.Columns[i].RightAligned();
            }

            foreach (var port in ports)
            {
                var kind = JsonFields.Text(port, "kind");
                var vxlan = JsonFields.Text(port, "type") == "vxlan";
                var owner = kind != "uplink" ? (JsonFields.Text(port, "domain") is var domain && domain != "?" ? domain : "-")
                    : vxlan ? $"vxlan {JsonFields.NumberText(port, "vni")} to {JsonFields.Text(port, "remote")}"
                    : JsonFields.Text(port, "namespace") is { Length: > 0 } ns ? $"netns {ns}" : "paraiod's netns";
                var errors = kind != "uplink" ? "-"
                    : vxlan ? TunnelErrors(port).ToString(CultureInfo.InvariantCulture)
                    : (JsonFields.Long(port, "readErrors") + JsonFields.Long(port, "writeErrors") + JsonFields.Long(port, "unsupported")).ToString(CultureInfo.InvariantCulture);
                table.AddRow(
                    new Text(JsonFields.Text(port, "name")),
                    new Text(kind),
                    new Text(owner),
                    new Text(JsonFields.Text(port, "vlan")),
                    new Text(JsonFields.Text(port, "rxFrames")),
                    new Text(ByteSize.Format(JsonFields.Long(port, "rxBytes"))),
                    new Text(JsonFields.Text(port, "txFrames")),
                    new Text(ByteSize.Format(JsonFields.Long(port, "txBytes"))),
                    new Text(JsonFields.Text(port, "rxDropped")),
                    new Text(JsonFields.Text(port, "txDropped")),
                    new Text(JsonFields.Text(port, "flooded")),
                    new Text(errors));
            }

            console.Ansi.Write(table);
        }

        var addresses = JsonFields.ItemsOrEmpty(result, "addresses").ToList();
        if (addresses.Count == 0)
        {
            console.Out.WriteLine("No learned addresses.");
            return;
        }

        var macs = new Table().AddColumns("VLAN", "MAC", "Port", "Age");
        macs.Columns[0].RightAligned();
        macs.Columns[3].RightAligned();
        foreach (var address in addresses)
        {
            macs.AddRow(
                new Text(JsonFields.NumberText(address, "vlan")),
                new Text(JsonFields.Text(address, "mac")),
                new Text(JsonFields.Text(address, "port")),
                new Text(Seconds(address, "ageSeconds")));
        }

        console.Ansi.Write(macs);
    }

    /// <summary>A VXLAN uplink's errors: datagrams dropped for any reason, frames whose offloads could not be done, failed sends and receives.</summary>
    private static long TunnelErrors(JsonElement port) =>
        JsonFields.Long(port, "unsupported") + JsonFields.Long(port, "sendErrors") + JsonFields.Long(port, "receiveErrors")
        + (port.TryGetProperty("drops", out var drops) && drops.ValueKind == JsonValueKind.Object
            ? drops.EnumerateObject().Sum(d => d.Value.TryGetInt64(out var n) ? n : 0)
            : 0);

    private static string Seconds(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble().ToString("0.#", CultureInfo.InvariantCulture) + " s"
            : "?";
}
