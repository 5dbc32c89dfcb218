namespace ParaIo.Backend.Qos;

/// <summary>The transport protocols a <see cref="TrafficClassRule"/> matches.</summary>
[Flags]
public enum TrafficProtocols
{
    /// <summary>Matches nothing.</summary>
    None = 0,

    /// <summary>TCP (IP protocol 6).</summary>
    Tcp = 1,

    /// <summary>UDP (IP protocol 17).</summary>
    Udp = 2,

    /// <summary>TCP or UDP.</summary>
    TcpOrUdp = Tcp | Udp,
}
