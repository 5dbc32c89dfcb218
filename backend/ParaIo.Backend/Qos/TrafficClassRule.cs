namespace ParaIo.Backend.Qos;

/// <summary>
/// Sends frames whose source or destination port lies in <see cref="FirstPort"/>..<see cref="LastPort"/>
/// to class <see cref="ClassIndex"/> of a vNIC.
/// </summary>
/// <param name="FirstPort">Lowest port matched.</param>
/// <param name="LastPort">Highest port matched (equal to <paramref name="FirstPort"/> for one port).</param>
/// <param name="Protocols">TCP, UDP or both.</param>
/// <param name="ClassIndex">The class the frame belongs to; the caller's index into the vNIC's classes.</param>
public readonly record struct TrafficClassRule(ushort FirstPort, ushort LastPort, TrafficProtocols Protocols, int ClassIndex)
{
    /// <summary>A rule for one port.</summary>
    public TrafficClassRule(ushort port, TrafficProtocols protocols, int classIndex)
        : this(port, port, protocols, classIndex)
    {
    }

    /// <summary>Whether a frame of <paramref name="protocol"/> between the two ports matches.</summary>
    public bool Matches(TrafficProtocols protocol, ushort sourcePort, ushort destinationPort) =>
        (Protocols & protocol) != 0 &&
        ((uint)(destinationPort - FirstPort) <= (uint)(LastPort - FirstPort) ||
         (uint)(sourcePort - FirstPort) <= (uint)(LastPort - FirstPort));
}
