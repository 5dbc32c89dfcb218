using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Uplinks;

/// <summary>How to open a <see cref="VxlanUplinkPort"/>: its name, VNI, the remote VTEP and the local endpoint.</summary>
public sealed class VxlanUplinkOptions
{
    /// <summary>The port's name on the bridge (<c>vx0</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The 24-bit VXLAN network identifier (0..16777215) both ends put in their headers.</summary>
    public required int Vni { get; init; }

    /// <summary>The remote VTEP: a unicast address and its UDP port (4789 for a Linux <c>vxlan</c> interface with the default <c>dstport</c>).</summary>
    public required IPEndPoint Remote { get; init; }

    /// <summary>The local address and UDP port to bind; the wildcard address of the remote's family and port 4789 when null.</summary>
    public IPEndPoint? Local { get; init; }

    /// <summary>The port's VLAN membership; access VLAN 1 when null.</summary>
    public VlanConfig? Vlan { get; init; }

    /// <summary>The largest IP packet an inner frame carries; a received frame longer than this plus an Ethernet header and one tag is dropped.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>The endpoint to bind: <see cref="Local"/>, or the wildcard of the remote's family on port 4789.</summary>
    public IPEndPoint LocalEndPoint => Local ?? new IPEndPoint(
        Remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any,
        VxlanHeader.DefaultPort);

    /// <summary>Checks every field; throws with a message that names the bad one.</summary>
    /// <exception cref="ArgumentException">A field is out of range or the endpoints do not fit together.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Name);
        ArgumentNullException.ThrowIfNull(Remote);
        if (Vni is < 0 or > VxlanHeader.MaxVni)
        {
            throw new ArgumentOutOfRangeException(nameof(Vni), Vni, $"A VNI is 0..{VxlanHeader.MaxVni}; {Vni} is not.");
        }

        var remote = Remote.Address;
        if (remote.Equals(IPAddress.Any) || remote.Equals(IPAddress.IPv6Any) || remote.Equals(IPAddress.Broadcast) || remote.IsIPv6Multicast
            || (remote.AddressFamily == AddressFamily.InterNetwork && remote.GetAddressBytes()[0] is >= 224 and <= 239))
        {
            throw new ArgumentException($"The remote VTEP must be one unicast address; {remote} is not (multicast groups are not supported).", nameof(Remote));
        }

        if (Remote.Port == 0)
        {
            throw new ArgumentException("The remote VTEP's UDP port cannot be 0.", nameof(Remote));
        }

        if (LocalEndPoint.AddressFamily != Remote.AddressFamily)
        {
            throw new ArgumentException($"The local endpoint {LocalEndPoint} and the remote VTEP {Remote} are of different address families.", nameof(Local));
        }

        if (Mtu is < 68 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Mtu), Mtu, $"An MTU is 68..{ushort.MaxValue}; {Mtu} is not.");
        }
    }

    /// <summary>
    /// Parses <c>ADDRESS</c>, <c>ADDRESS:PORT</c>, <c>[IPv6]</c> or <c>[IPv6]:PORT</c>;
    /// <paramref name="defaultPort"/> when no port is given.
    /// </summary>
    /// <param name="text">The endpoint as the operator wrote it.</param>
    /// <param name="defaultPort">The port when none is written.</param>
    /// <param name="what">What it is, for the error message (<c>remote VTEP</c>).</param>
    /// <exception cref="ArgumentException"><paramref name="text"/> is not an IP address with an optional port 0..65535.</exception>
    public static IPEndPoint ParseEndPoint(string text, int defaultPort, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var address = text;
        var port = defaultPort;
        var portText = (string?)null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close > 0)
            {
                address = text[1..close];
                portText = close + 1 < text.Length && text[close + 1] == ':' ? text[(close + 2)..] : close + 1 == text.Length ? null : "";
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            // One colon: IPv4 with a port. More: a bare IPv6 address, whose port needs brackets.
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            address = text[..colon];
            portText = text[(colon + 1)..];
        }

        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > ushort.MaxValue))
        {
            throw new ArgumentException($"'{text}' is not a {what} (ADDRESS[:PORT], [IPv6][:PORT]): '{portText}' is not a UDP port (0..65535).");
        }

        // IPAddress.TryParse also takes shorthands such as "10.1" (10.0.0.1) and scoped "fe80::1%eth0"; an endpoint here is written out in full.
        if (!IPAddress.TryParse(address, out var ip) || address.Contains('%', StringComparison.Ordinal)
            || (ip.AddressFamily == AddressFamily.InterNetwork && address.Count(c => c == '.') != 3))
        {
            throw new ArgumentException($"'{text}' is not a {what} (ADDRESS[:PORT], [IPv6][:PORT]): '{address}' is not an IP address.");
        }

        return new IPEndPoint(ip, port);
    }
}
