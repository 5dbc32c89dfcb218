namespace ParaIo.Nbd.Protocol;

/// <summary>
/// Magic numbers, sizes and byte offsets of the NBD frames this server reads and writes, taken
/// from the NBD protocol (NetworkBlockDevice/nbd <c>doc/proto.md</c>). Every integer on the wire is
/// big-endian.
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
///  4  u16 command flags                 4  u32 error
///  6  u16 command                       8  u64 cookie ("handle"), as sent
///  8  u64 cookie ("handle")            16  data
/// 16  u64 offset
/// 24  u32 length
/// 28  data
/// </code>
/// </remarks>
internal static class NbdWire
{
    /// <summary>"NBDMAGIC": the first eight bytes a server sends.</summary>
    public const ulong InitMagic = 0x4E42444D41474943;

    /// <summary>"IHAVEOPT": the newstyle greeting's second word and every option's first.</summary>
    public const ulong OptionMagic = 0x49484156454F5054;

    /// <summary>The first word of every option reply.</summary>
    public const ulong OptionReplyMagic = 0x0003E889045565A9;

    /// <summary>The first word of every transmission request.</summary>
    public const uint RequestMagic = 0x25609513;

    /// <summary>The first word of a simple reply.</summary>
    public const uint SimpleReplyMagic = 0x67446698;

    /// <summary>Handshake flag: the server speaks fixed newstyle.</summary>
    public const ushort HandshakeFixedNewstyle = 1 << 0;

    /// <summary>Handshake flag: the server can leave out the 124 zero bytes after NBD_OPT_EXPORT_NAME.</summary>
    public const ushort HandshakeNoZeroes = 1 << 1;

    /// <summary>Client flag: the client speaks fixed newstyle.</summary>
    public const uint ClientFixedNewstyle = 1 << 0;

    /// <summary>Client flag: the client wants no zero padding after NBD_OPT_EXPORT_NAME.</summary>
    public const uint ClientNoZeroes = 1 << 1;

    public const int GreetingLength = 18;
    public const int ClientFlagsLength = 4;
    public const int OptionHeaderLength = 16;
    public const int OptionReplyHeaderLength = 20;
    public const int ExportNameReplyLength = 10;
    public const int ExportNameZeroPadding = 124;
    public const int RequestHeaderLength = 28;
    public const int SimpleReplyHeaderLength = 16;

    /// <summary>The protocol's limit on any string, export names included.</summary>
    public const int MaxStringLength = 4096;

    /// <summary>Payload of NBD_REP_INFO / NBD_INFO_EXPORT: type, size, flags.</summary>
    public const int InfoExportLength = 2 + 8 + 2;

    /// <summary>Payload of NBD_REP_INFO / NBD_INFO_BLOCK_SIZE: type, minimum, preferred, maximum.</summary>
    public const int InfoBlockSizeLength = 2 + 4 + 4 + 4;
}
