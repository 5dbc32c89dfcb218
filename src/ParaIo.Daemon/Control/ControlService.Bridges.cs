using System.ComponentModel;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Uplinks;

namespace ParaIo.Daemon.Control;

/// <summary>The <c>bridge-*</c> commands: the software bridges vifs join, their ports, learned addresses and uplinks (TAP and VXLAN).</summary>
public sealed partial class ControlService
{
    private const string BridgeCommands =
        "bridge-list, bridge-show NAME, bridge-uplink-add NAME TAP [NAMESPACE|-] [VLAN], "
        + "bridge-uplink-add NAME PORT vxlan VNI REMOTE[:PORT] [LOCAL[:PORT]|-] [VLAN], bridge-uplink-remove NAME PORT";

    private string Bridge(IReadOnlyList<string> arguments)
    {
        if (_uplinks is null)
        {
            return Fail("ENOTSUP", "this paraiod serves no network");
        }

        try
        {
            return (arguments[0], arguments.Count) switch
            {
                ("bridge-list", 1) => Ok(WriteBridges),
                ("bridge-show", 2) => Ok(w => WriteBridge(w, FindBridge(arguments[1]))),

                // The VXLAN form has six to eight words; the TAP form at most five, so a namespace named "vxlan" stays a namespace.
                ("bridge-uplink-add", >= 6 and <= 8) when arguments[3] == "vxlan" => VxlanUplinkAdd(arguments),
                ("bridge-uplink-add", >= 3 and <= 5) => UplinkAdded(
                    arguments[1],
                    _uplinks.Add(arguments[1], new TapUplinkOptions
                    {
                        Tap = TapName(arguments[2]),
                        NetworkNamespace = arguments.Count >= 4 && arguments[3] is not ("" or "-") ? arguments[3] : null,
                        Vlan = VlanConfig.Access(arguments.Count == 5 ? Vlan(arguments[4]) : VlanConfig.DefaultVlan),
                    })),
                ("bridge-uplink-remove", 3) => UplinkRemoved(arguments[1], _uplinks.Remove(arguments[1], arguments[2])),
                _ => Fail("EINVAL", $"unknown or malformed command '{string.Join(' ', arguments)}'; bridge commands: {BridgeCommands}"),
            };
        }
        catch (Win32Exception e)
        {
            // Opening the TAP failed: typically not root, no such namespace, or the name is another kind of interface.
            return Fail("EIO", $"the uplink's TAP could not be opened: {e.Message}");
        }
    }

    /// <summary><c>bridge-uplink-add NAME PORT vxlan VNI REMOTE [LOCAL|-] [VLAN]</c>.</summary>
    private string VxlanUplinkAdd(IReadOnlyList<string> arguments)
    {
        var options = new VxlanUplinkOptions
        {
            Name = TapName(arguments[2]),
            Vni = Vni(arguments[4]),
            Remote = VxlanUplinkOptions.ParseEndPoint(arguments[5], VxlanHeader.DefaultPort, "remote VTEP"),
            Local = arguments.Count >= 7 && arguments[6] is not ("" or "-") ? VxlanUplinkOptions.ParseEndPoint(arguments[6], VxlanHeader.DefaultPort, "local endpoint") : null,
            Vlan = VlanConfig.Access(arguments.Count == 8 ? Vlan(arguments[7]) : VlanConfig.DefaultVlan),
        };
        options.Validate();
        try
        {
            return UplinkAdded(arguments[1], _uplinks!.Add(arguments[1], options));
        }
        catch (SocketException e)
        {
            var (error, reason) = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => ("EADDRINUSE", "the UDP port is in use (another VXLAN uplink, or a Linux vxlan interface in paraiod's namespace?)"),
                SocketError.AddressNotAvailable => ("EADDRNOTAVAIL", "the address is not one of this host's"),
                _ => ("EIO", e.Message),
            };
            return Fail(error, $"the VXLAN uplink cannot bind {options.LocalEndPoint}: {reason}");
        }
    }
    private SoftwareBridge FindBridge(string name) =>
        _uplinks!.Bridges.TryGet(name, out var bridge) ? bridge : throw new KeyNotFoundException($"no bridge named '{name}' (a bridge is made when its first vif connects or an uplink is added)");

    private static string TapName(string text) =>
        text.Length is > 0 and < 16 && !text.Contains('/', StringComparison.Ordinal) && !text.Any(char.IsWhiteSpace)
            ? text
            : throw new ArgumentException($"'{text}' is not an interface name (1..15 characters, no '/' or spaces).");

    private static int Vni(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var vni) && vni <= VxlanHeader.MaxVni
            ? vni
            : throw new ArgumentException($"'{text}' is not a VNI (0..{VxlanHeader.MaxVni}).");

    private static int Vlan(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var vlan) && vlan is >= 1 and <= VlanConfig.MaxVlan
            ? vlan
            : throw new ArgumentException($"'{text}' is not a VLAN id (1..{VlanConfig.MaxVlan}).");

    private void WriteBridges(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        foreach (var bridge in _uplinks!.Bridges.Snapshot())
        {
            w.WriteStartObject();
            w.WriteString("name", bridge.Name);
            w.WriteNumber("agingSeconds", bridge.AgingTime.TotalSeconds);
            w.WriteNumber("ports", bridge.Ports.Count);
            w.WriteNumber("vifs", bridge.Ports.Count(p => PortKind(bridge.Name, p.Name) == "vif"));
            w.WriteNumber("uplinks", bridge.Ports.Count(p => PortKind(bridge.Name, p.Name) == "uplink"));
            w.WriteNumber("addresses", bridge.Addresses.Count);
            w.WriteNumber("rxFrames", bridge.Ports.Sum(p => p.RxFrames));
            w.WriteNumber("rxBytes", bridge.Ports.Sum(p => p.RxBytes));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private void WriteBridge(Utf8JsonWriter w, SoftwareBridge live)
    {
        var bridge = live.Snapshot();
        w.WriteStartObject();
        w.WriteString("name", bridge.Name);
        w.WriteNumber("agingSeconds", bridge.AgingTime.TotalSeconds);
        w.WriteStartArray("ports");
        foreach (var port in bridge.Ports)
        {
            var kind = PortKind(bridge.Name, port.Name);
            w.WriteStartObject();
            w.WriteString("name", port.Name);
            w.WriteString("kind", kind);
            if (kind == "vif" && VifDomain(port.Name) is { } domain)
            {
                w.WriteString("domain", domain);
            }

            w.WriteString("vlan", port.Vlan);
            w.WriteNumber("rxFrames", port.RxFrames);
            w.WriteNumber("rxBytes", port.RxBytes);
            w.WriteNumber("txFrames", port.TxFrames);
            w.WriteNumber("txBytes", port.TxBytes);
            w.WriteNumber("rxDropped", port.RxDropped);
            w.WriteNumber("txDropped", port.TxDropped);
            w.WriteNumber("flooded", port.Flooded);
            switch (_uplinks!.Find(bridge.Name, port.Name))
            {
                case TapUplinkPort tap:
                    w.WriteString("type", "tap");
                    w.WriteString("namespace", tap.NetworkNamespace);
                    w.WriteNumber("readErrors", tap.ReadErrors);
                    w.WriteNumber("writeErrors", tap.WriteErrors);
                    w.WriteNumber("unsupported", tap.Unsupported);
                    break;
                case VxlanUplinkPort vxlan:
                    WriteVxlan(w, vxlan);
                    break;
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("addresses");
        foreach (var address in bridge.Addresses)
        {
            w.WriteStartObject();
            w.WriteNumber("vlan", address.Vlan);
            w.WriteString("mac", address.Mac.ToString());
            w.WriteString("port", address.Port);
            w.WriteNumber("ageSeconds", Math.Round(address.Age.TotalSeconds, 3));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private string PortKind(string bridge, string port) =>
        _uplinks!.Find(bridge, port) is not null ? "uplink" : port.StartsWith("vif", StringComparison.Ordinal) ? "vif" : "other";

    /// <summary>The domain behind a vif port (<c>vifD.N</c>), by name.</summary>
    private string? VifDomain(string port)
    {
        var dot = port.IndexOf('.', StringComparison.Ordinal);
        return dot > 3 && int.TryParse(port.AsSpan(3, dot - 3), NumberStyles.None, CultureInfo.InvariantCulture, out var domid)
            ? _domains.Records.FirstOrDefault(r => r.DomainId == domid)?.Name
            : null;
    }

    /// <summary>A VXLAN uplink's tunnel: its endpoints and the tunnel counters, drops by reason.</summary>
    private static void WriteVxlan(Utf8JsonWriter w, VxlanUplinkPort port)
    {
        var tunnel = port.Tunnel;
        w.WriteString("type", "vxlan");
        w.WriteNumber("vni", port.Vni);
        w.WriteString("local", port.LocalEndPoint.ToString());
        w.WriteString("remote", port.Remote.ToString());
        w.WriteNumber("mtu", port.Mtu);
        w.WriteNumber("rxDatagrams", tunnel.RxDatagrams);
        w.WriteNumber("rxDatagramBytes", tunnel.RxBytes);
        w.WriteNumber("txDatagrams", tunnel.TxDatagrams);
        w.WriteNumber("txDatagramBytes", tunnel.TxBytes);
        w.WriteNumber("segmented", tunnel.Segmented);
        w.WriteNumber("checksummed", tunnel.Checksummed);
        w.WriteNumber("unsupported", tunnel.Unsupported);
        w.WriteNumber("sendErrors", tunnel.SendErrors);
        w.WriteNumber("receiveErrors", tunnel.ReceiveErrors);
        w.WriteStartObject("drops");
        foreach (var reason in Enum.GetValues<VxlanDrop>())
        {
            w.WriteNumber(JsonNamingPolicy.CamelCase.ConvertName(reason.ToString()), tunnel.DroppedFor(reason));
        }

        w.WriteEndObject();
    }

    private static string UplinkAdded(string bridge, UplinkPort port) => Ok(w =>
    {
        w.WriteStartObject();
        w.WriteString("bridge", bridge);
        w.WriteString("port", port.Name);
        w.WriteString("vlan", port.Vlan.ToString());
        switch (port)
        {
            case TapUplinkPort tap:
                w.WriteString("type", "tap");
                w.WriteString("tap", tap.Name);
                w.WriteString("namespace", tap.NetworkNamespace);
                w.WriteString("offloads", tap.Device.Offloads.ToString());
                break;
            case VxlanUplinkPort vxlan:
                w.WriteString("type", "vxlan");
                w.WriteNumber("vni", vxlan.Vni);
                w.WriteString("local", vxlan.LocalEndPoint.ToString());
                w.WriteString("remote", vxlan.Remote.ToString());
                break;
        }

        w.WriteEndObject();
    });

    private static string UplinkRemoved(string bridge, UplinkPort port) => Ok(w =>
    {
        w.WriteStartObject();
        w.WriteString("bridge", bridge);
        w.WriteString("port", port.Name);
        w.WriteString("tap", port.Name);
        w.WriteEndObject();
    });
}
