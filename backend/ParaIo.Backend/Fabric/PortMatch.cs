using System.Globalization;
using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// The TCP/UDP ports a <see cref="TrafficClass"/> matches, on either the source or the destination
/// port: <c>tcp/3200</c>, <c>udp/5000-5100</c>, <c>any/53</c> (TCP or UDP).
/// </summary>
/// <param name="Protocols">TCP, UDP or both.</param>
/// <param name="FirstPort">The lowest port matched.</param>
/// <param name="LastPort">The highest port matched, at least <paramref name="FirstPort"/>.</param>
public sealed record PortMatch(TrafficProtocols Protocols, ushort FirstPort, ushort LastPort)
{
    /// <summary>Parses <c>PROTO/PORT</c> or <c>PROTO/FIRST-LAST</c>, PROTO being tcp, udp or any.</summary>
    /// <exception cref="ArgumentException">Not a port match.</exception>
    public static PortMatch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var protocols = slash < 0 ? TrafficProtocols.None : text[..slash].ToUpperInvariant() switch
        {
            "TCP" => TrafficProtocols.Tcp,
            "UDP" => TrafficProtocols.Udp,
            "ANY" => TrafficProtocols.TcpOrUdp,
            _ => TrafficProtocols.None,
        };
        var ports = slash < 0 ? [] : text[(slash + 1)..].Split('-');
        if (protocols == TrafficProtocols.None
            || ports.Length is not (1 or 2)
            || !ushort.TryParse(ports[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !ushort.TryParse(ports[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || last < first)
        {
            throw new ArgumentException($"'{text}' is not a port match: write tcp/PORT, udp/FIRST-LAST or any/PORT (ports 0..65535).");
        }

        return new PortMatch(protocols, first, last);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var protocol = Protocols switch
        {
            TrafficProtocols.Tcp => "tcp",
            TrafficProtocols.Udp => "udp",
            _ => "any",
        };
        return FirstPort == LastPort
            ? string.Create(CultureInfo.InvariantCulture, $"{protocol}/{FirstPort}")
            : string.Create(CultureInfo.InvariantCulture, $"{protocol}/{FirstPort}-{LastPort}");
    }
}
