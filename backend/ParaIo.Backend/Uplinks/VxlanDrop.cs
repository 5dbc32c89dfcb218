namespace ParaIo.Backend.Uplinks;

/// <summary>Why a <see cref="VxlanUplinkPort"/> dropped a datagram it received instead of forwarding its inner frame.</summary>
public enum VxlanDrop
{
    /// <summary>Shorter than the 8-byte VXLAN header.</summary>
    ShortDatagram,

    /// <summary>The header's I flag is clear, so its VNI is not valid (RFC 7348 section 5).</summary>
    NoInstanceFlag,

    /// <summary>The VNI is not the uplink's.</summary>
    ForeignVni,

    /// <summary>The inner frame is shorter than an Ethernet header (14 bytes).</summary>
    RuntFrame,

    /// <summary>The inner frame is longer than the uplink's MTU allows (MTU plus Ethernet header and one 802.1Q tag).</summary>
    OversizedFrame,

    /// <summary>The datagram came from an address other than the remote VTEP's.</summary>
    ForeignSource,
}
