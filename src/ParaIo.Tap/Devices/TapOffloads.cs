namespace ParaIo.Tap.Devices;

/// <summary>
/// What the kernel may hand a <see cref="TapDevice"/> unfinished (TUNSETOFFLOAD): with
/// <see cref="Checksum"/> it sends frames with a partial L4 checksum (NEEDS_CSUM), with the TSO
/// bits it sends TCP segments up to 64 KiB (gso_type TCPV4/TCPV6). The TSO bits need
/// <see cref="Checksum"/>: the kernel refuses them alone (EINVAL), and so does <see cref="TapDevice"/>.
/// </summary>
[Flags]
public enum TapOffloads
{
    /// <summary>Every frame arrives finished: checksummed and no larger than the MTU.</summary>
    None = 0,

    /// <summary>TUN_F_CSUM: frames may carry a partial checksum (NEEDS_CSUM + csum_start/csum_offset).</summary>
    Checksum = 0x01,

    /// <summary>TUN_F_TSO4: TCP/IPv4 segments may exceed the MTU (gso_type TCPV4).</summary>
    Tso4 = 0x02,

    /// <summary>TUN_F_TSO6: TCP/IPv6 segments may exceed the MTU (gso_type TCPV6).</summary>
    Tso6 = 0x04,

    /// <summary>TUN_F_TSO_ECN: TSO segments may carry CWR (gso_type | ECN).</summary>
    TsoEcn = 0x08,

    /// <summary>What a netfront with feature-gso-tcpv4/tcpv6 and checksum offload accepts: checksum, TSO4, TSO6.</summary>
    Standard = Checksum | Tso4 | Tso6,
}
