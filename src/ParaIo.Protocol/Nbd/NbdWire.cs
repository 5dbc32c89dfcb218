namespace ParaIo.Protocol.Nbd;

/// <summary>
/// Magic numbers, flags, sizes and byte offsets of the NBD frames both ends read and write: the
/// guest's NBD server (<c>ParaIo.Nbd</c>) and paraiod's client for SAN exports
/// (<c>ParaIo.Backend.San</c>). Taken from the NBD protocol (NetworkBlockDevice/nbd
/// <c>doc/proto.md</c>); every integer on the wire is big-endian.
/// </summary>
/// <remarks>
/// <code>
/// Server greeting (18 bytes)          Option request (16 + length)
///  0  u64 NBDMAGIC                      0  u64 IHAVEOPT
///  8  u64 IHAVEOPT                      8  u32 option
/// 16  u16 handshake flags              12  u32 length of data
/// Client flags (4 bytes)               16  data
///  0  u32 client flags
///
/// Option reply (20 + length)          NBD_OPT_EXPORT_NAME answer (10, or 134 without NO_ZEROES)
///  0  u64 0x3e889045565a9               0  u64 export size
///  8  u32 option being answered         8  u16 transmission flags
/// 12  u32 reply type                   10  124 zero bytes unless NO_ZEROES was agreed
/// 16  u32 length of data
/// 20  data
///
/// Request (28 + payload of WRITE)     Simple reply (16 + payload of a successful READ)
///  0  u32 0x25609513                    0  u32 0x67446698
///  4  u16 command flags                 4  u32 error (an errno, NbdError)
///  6  u16 command                       8  u64 cookie ("handle"), as sent
///  8  u64 cookie ("handle")            16  data
/// 16  u64 offset
/// 24  u32 length
/// 28  data
/// </code>
/// </remarks>
public static class NbdWire
{
    /// <summary>"NBDMAGIC": the first eight bytes a server sends.</summary>
    public const ulong InitMagic = 0x4E42444D41474943;

    /// <summary>"IHAVEOPT": the newstyle greeting's second word and every option's first.</summary>
    public const ulong OptionMagic = 0x49484156454F5054;

    /// <summary>The greeting's second word from a server that speaks only the oldstyle handshake.</summary>
    public const ulong OldstyleMagic = 0x00420281861253;

    /// <summary>The first word of every option reply.</summary>
    public const ulong OptionReplyMagic = 0x0003E889045565A9;

    /// <summary>The first word of every transmission request.</summary>
    public const uint RequestMagic = 0x25609513;

    /// <summary>The first word of a simple reply.</summary>
    public const uint SimpleReplyMagic = 0x67446698;

    /// <summary>The first word of a structured reply chunk, sent only after NBD_OPT_STRUCTURED_REPLY.</summary>
    public const uint StructuredReplyMagic = 0x668E33EF;

    /// <summary>Handshake flag (<c>NBD_FLAG_FIXED_NEWSTYLE</c>): the server speaks fixed newstyle.</summary>
    public const ushort HandshakeFixedNewstyle = 1 << 0;

    /// <summary>Handshake flag (<c>NBD_FLAG_NO_ZEROES</c>): the server can leave out the 124 zero bytes after NBD_OPT_EXPORT_NAME.</summary>
    public const ushort HandshakeNoZeroes = 1 << 1;

    /// <summary>Client flag (<c>NBD_FLAG_C_FIXED_NEWSTYLE</c>): the client speaks fixed newstyle.</summary>
    public const uint ClientFixedNewstyle = 1 << 0;

    /// <summary>Client flag (<c>NBD_FLAG_C_NO_ZEROES</c>): the client wants no zero padding after NBD_OPT_EXPORT_NAME.</summary>
    public const uint ClientNoZeroes = 1 << 1;

    /// <summary>The bit every error reply type of <see cref="NbdOptionReply"/> has set, known or not.</summary>
    public const uint OptionReplyErrorBit = 1u << 31;

    /// <summary>Bytes of the server's greeting: two magic words and the handshake flags.</summary>
    public const int GreetingLength = 18;

    /// <summary>Bytes of the client's flags, its answer to the greeting.</summary>
    public const int ClientFlagsLength = 4;

    /// <summary>Bytes of an option request before its data.</summary>
    public const int OptionHeaderLength = 16;

    /// <summary>Bytes of an option reply before its data.</summary>
    public const int OptionReplyHeaderLength = 20;

    /// <summary>Bytes of the answer to NBD_OPT_EXPORT_NAME before any padding: size and transmission flags.</summary>
    public const int ExportNameReplyLength = 10;

    /// <summary>Zero bytes after the answer to NBD_OPT_EXPORT_NAME unless both sides agreed to NO_ZEROES.</summary>
    public const int ExportNameZeroPadding = 124;

    /// <summary>Bytes of a transmission request before a WRITE's payload.</summary>
    public const int RequestHeaderLength = 28;

    /// <summary>Bytes of a simple reply before a READ's data.</summary>
    public const int SimpleReplyHeaderLength = 16;

    /// <summary>The protocol's limit on any string, export names included.</summary>
    public const int MaxStringLength = 4096;

    /// <summary>Payload of NBD_REP_INFO / NBD_INFO_EXPORT: type, size, flags.</summary>
    public const int InfoExportLength = 2 + 8 + 2;

    /// <summary>Payload of NBD_REP_INFO / NBD_INFO_BLOCK_SIZE: type, minimum, preferred, maximum.</summary>
    public const int InfoBlockSizeLength = 2 + 4 + 4 + 4;

    /// <summary>The largest READ or WRITE payload a client sends when the server gave no block sizes: the protocol's advice, 32 MiB.</summary>
    public const int DefaultMaxPayload = 32 << 20;
}
