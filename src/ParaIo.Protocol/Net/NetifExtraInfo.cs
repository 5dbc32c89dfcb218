using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Net;

/// <summary>
/// A netif extra-info slot (Xen <c>struct netif_extra_info</c>), carried in a tx request slot after
/// a request with <see cref="NetTxFlags.ExtraInfo"/>, or in an rx response slot after a response
/// with <see cref="NetRxFlags.ExtraInfo"/>. ParaIo uses only the GSO variant.
/// </summary>
/// <remarks>
/// <code>
///  +0   u8   type          XEN_NETIF_EXTRA_TYPE_* (<see cref="NetifExtraType"/>)
///  +1   u8   flags         XEN_NETIF_EXTRA_FLAG_MORE: another extra slot follows
///  +2   u16  gso.size      MSS: payload bytes per segment
///  +4   u8   gso.type      XEN_NETIF_GSO_TYPE_* (<see cref="NetifGsoType"/>)
///  +5   u8   gso.pad
///  +6   u16  gso.features  XEN_NETIF_GSO_FEAT_* (none defined; 0)
///       = 8 bytes
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = NetifProtocol.ExtraInfoSize)]
public struct NetifExtraInfo
{
    /// <summary>Which variant the slot holds.</summary>
    [FieldOffset(0)]
    public NetifExtraType Type;

    /// <summary><see cref="NetifProtocol.ExtraFlagMore"/> when another extra slot follows.</summary>
    [FieldOffset(1)]
    public byte Flags;

    /// <summary>GSO: the segment size (MSS).</summary>
    [FieldOffset(2)]
    public ushort GsoSize;

    /// <summary>GSO: the protocol to segment.</summary>
    [FieldOffset(4)]
    public NetifGsoType GsoType;

    /// <summary>GSO: padding.</summary>
    [FieldOffset(5)]
    public byte GsoPad;

    /// <summary>GSO: feature bits (none are defined).</summary>
    [FieldOffset(6)]
    public ushort GsoFeatures;

    /// <summary>A GSO extra slot.</summary>
    public static NetifExtraInfo Gso(NetifGsoType type, ushort size, bool more = false) =>
        new() { Type = NetifExtraType.Gso, Flags = more ? NetifProtocol.ExtraFlagMore : (byte)0, GsoType = type, GsoSize = size };
}
