using System.Buffers.Binary;

namespace ParaIo.Backend.San;

/// <summary>
/// Magic numbers, codes and byte layouts of the NBD frames the client reads and writes, from the
/// NBD protocol (NetworkBlockDevice/nbd <c>doc/proto.md</c>). Every integer on the wire is big-endian.
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
///  4  u16 command flags                 4  u32 error (an errno)
///  6  u16 command                       8  u64 cookie, as sent
///  8  u64 cookie                       16  data
/// 16  u64 offset
/// 24  u32 length
/// 28  data
/// </code>
/// </remarks>
internal static class NbdWire
{
    public const ulong InitMagic = 0x4E42444D41474943;        // "NBDMAGIC"
    public const ulong OptionMagic = 0x49484156454F5054;      // "IHAVEOPT"
    public const ulong OldstyleMagic = 0x00420281861253;
    public const ulong OptionReplyMagic = 0x0003E889045565A9;
    public const uint RequestMagic = 0x25609513;
    public const uint SimpleReplyMagic = 0x67446698;
    public const uint StructuredReplyMagic = 0x668E33EF;

    public const ushort HandshakeFixedNewstyle = 1 << 0;
    public const ushort HandshakeNoZeroes = 1 << 1;
    public const uint ClientFixedNewstyle = 1 << 0;
    public const uint ClientNoZeroes = 1 << 1;

    public const uint OptExportName = 1;
    public const uint OptAbort = 2;
    public const uint OptGo = 7;

    public const uint RepAck = 1;
    public const uint RepInfo = 3;
    public const uint RepErrorBit = 1u << 31;
    public const uint RepErrUnsup = RepErrorBit | 1;
    public const uint RepErrPolicy = RepErrorBit | 2;
    public const uint RepErrInvalid = RepErrorBit | 3;
    public const uint RepErrTlsRequired = RepErrorBit | 5;
    public const uint RepErrUnknown = RepErrorBit | 6;
    public const uint RepErrShutdown = RepErrorBit | 7;
    public const uint RepErrBlockSizeRequired = RepErrorBit | 8;

    public const ushort InfoExport = 0;
    public const ushort InfoBlockSize = 3;

    public const ushort CmdRead = 0;
    public const ushort CmdWrite = 1;
    public const ushort CmdDisconnect = 2;
    public const ushort CmdFlush = 3;
    public const ushort CmdTrim = 4;
    public const ushort CmdFlagFua = 1 << 0;

    public const int GreetingLength = 18;
    public const int OptionReplyHeaderLength = 20;
    public const int ExportNameReplyLength = 10;
    public const int ExportNameZeroPadding = 124;
    public const int RequestHeaderLength = 28;
    public const int SimpleReplyHeaderLength = 16;
    public const int MaxStringLength = 4096;

    /// <summary>What a client may send without block-size information: the protocol's advice.</summary>
    public const int DefaultMaxPayload = 32 << 20;

    /// <summary>Option reply data longer than this is a broken server, not a long description.</summary>
    public const int MaxOptionReplyLength = 64 << 10;

    public const int ErrorShutdown = 108; // ESHUTDOWN: the server is going away

    /// <summary>Writes a request header at the start of <paramref name="destination"/>.</summary>
    public static void WriteRequest(Span<byte> destination, ushort flags, ushort command, ulong cookie, ulong offset, uint length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, RequestMagic);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], command);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], cookie);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], offset);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], length);
    }

    public static string CommandName(ushort command) => command switch
    {
        CmdRead => "READ",
        CmdWrite => "WRITE",
        CmdDisconnect => "DISC",
        CmdFlush => "FLUSH",
        CmdTrim => "TRIM",
        _ => $"command {command}",
    };

    public static string ErrorName(int error) => error switch
    {
        1 => "EPERM",
        5 => "EIO",
        12 => "ENOMEM",
        22 => "EINVAL",
        28 => "ENOSPC",
        75 => "EOVERFLOW",
        95 => "ENOTSUP",
        108 => "ESHUTDOWN",
        _ => $"error {error}",
    };
}
