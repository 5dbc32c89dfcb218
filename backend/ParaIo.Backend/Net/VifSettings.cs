using System.Globalization;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;

namespace ParaIo.Backend.Net;

/// <summary>A vif's operator settings, parsed: its MAC, bridge, MTU and access VLAN, and the vNIC it is bound to.</summary>
/// <param name="Mac">The interface's address.</param>
/// <param name="Bridge">The bridge its port joins.</param>
/// <param name="Mtu">The MTU advertised to the guest.</param>
/// <param name="Vlan">The access VLAN of its port.</param>
public sealed record VifSettings(MacAddress Mac, string Bridge, int Mtu, int Vlan)
{
    /// <summary><c>mac=xx:xx:xx:xx:xx:xx</c>; derived from the domain and device id (Xen's OUI 00:16:3e) when absent.</summary>
    public const string MacSetting = "mac";

    /// <summary><c>bridge=NAME</c>; <see cref="DefaultBridge"/> when absent.</summary>
    public const string BridgeSetting = "bridge";

    /// <summary><c>mtu=N</c>, 68..65535; 1500 when absent.</summary>
    public const string MtuSetting = "mtu";

    /// <summary><c>vlan=N</c>, the port's access VLAN 1..4094; 1 when absent.</summary>
    public const string VlanSetting = "vlan";

    /// <summary>
    /// <c>vnic=NAME</c>: bind the vif to a vNIC of the fabric, which gives it its MAC and bridge and
    /// shapes what the guest transmits; excludes <c>mac=</c> and <c>bridge=</c>.
    /// </summary>
    public const string VnicSetting = "vnic";

    /// <summary>The bridge a vif joins without <c>bridge=</c>.</summary>
    public const string DefaultBridge = "br0";

    /// <summary>The vNIC the vif is bound to (<c>vnic=</c>), or null.</summary>
    public string? Vnic { get; init; }

    /// <summary>Parses and checks a device's settings.</summary>
    /// <exception cref="ArgumentException">A setting is unknown or malformed.</exception>
    public static VifSettings Parse(DeviceAddress address, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DeviceSettings.AllowOnly("vif", settings, MacSetting, BridgeSetting, MtuSetting, VlanSetting, VnicSetting);
        var vnic = settings.GetValueOrDefault(VnicSetting);
        if (vnic is not null)
        {
            if (string.IsNullOrWhiteSpace(vnic) || vnic.Any(char.IsControl))
            {
                throw new ArgumentException($"vnic={vnic} is not a vNIC name.");
            }

            if (settings.ContainsKey(MacSetting) || settings.ContainsKey(BridgeSetting))
            {
                throw new ArgumentException($"vnic={vnic} gives the vif its MAC and bridge: drop mac= and bridge=.");
            }
        }

        var mac = MacAddress.ForVif(address.Domain, address.Id);
        if (settings.TryGetValue(MacSetting, out var text) && (!MacAddress.TryParse(text, out mac) || mac.IsMulticast))
        {
            throw new ArgumentException($"mac={text} is not a unicast MAC address: write mac=xx:xx:xx:xx:xx:xx.");
        }

        var bridge = settings.TryGetValue(BridgeSetting, out var name) ? name : DefaultBridge;
        if (string.IsNullOrWhiteSpace(bridge) || bridge.Length > 15 || bridge.Contains('/'))
        {
            throw new ArgumentException($"bridge={bridge} is not a bridge name (1..15 characters, no '/').");
        }

        return new VifSettings(mac, bridge, Number(settings, MtuSetting, 1500, 68, 65535), Number(settings, VlanSetting, VlanConfig.DefaultVlan, 1, VlanConfig.MaxVlan)) { Vnic = vnic };
    }

    private static int Number(IReadOnlyDictionary<string, string> settings, string key, int fallback, int min, int max)
    {
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException($"{key}={text} is not a number in {min}..{max}.");
        }

        return value;
    }
}
