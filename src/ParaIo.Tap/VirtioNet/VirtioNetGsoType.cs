namespace ParaIo.Tap.VirtioNet;

/// <summary>
/// The <c>gso_type</c> byte of a virtio-net header: what kind of segmentation a frame larger than
/// the MTU still needs. The <see cref="Ecn"/> bit may be or-ed onto a TCP type.
/// </summary>
#pragma warning disable CA1008 // None is the protocol's own name for zero.
public enum VirtioNetGsoType : byte
#pragma warning restore CA1008
{
    /// <summary>VIRTIO_NET_HDR_GSO_NONE: a frame no larger than the MTU.</summary>
    None = 0,

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV4: a TCP/IPv4 segment to cut into <see cref="VirtioNetHeader.GsoSize"/>-byte payloads.</summary>
    TcpV4 = 1,

    /// <summary>VIRTIO_NET_HDR_GSO_UDP: a UDP datagram to fragment (UFO; ParaIo never turns it on).</summary>
    Udp = 3,

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV6: a TCP/IPv6 segment to cut into <see cref="VirtioNetHeader.GsoSize"/>-byte payloads.</summary>
    TcpV6 = 4,

    /// <summary>VIRTIO_NET_HDR_GSO_UDP_L4: UDP segmentation (USO; ParaIo never turns it on).</summary>
    UdpL4 = 5,

    /// <summary>VIRTIO_NET_HDR_GSO_ECN: the TCP segment carries CWR, to set on the first segment only.</summary>
    Ecn = 0x80,
}
