using System.Buffers.Binary;

namespace ParaIo.Store.Protocol;

/// <summary>
/// The frame header, Xen's <c>struct xsd_sockmsg</c>, little-endian, followed by <c>len</c>
/// payload bytes:
/// <code>
///  0        4        8        12       16
///  +--------+--------+--------+--------+---------------------------+
///  |  type  | req_id | tx_id  |  len   |  payload (len bytes)      |
///  +--------+--------+--------+--------+---------------------------+
///   u32 LE   u32 LE   u32 LE   u32 LE
/// </code>
/// <c>req_id</c> is the client's to choose and comes back on the reply, so requests may be
/// pipelined; <c>tx_id</c> names a transaction (0 for none).
/// </summary>
public static class MessageLayout
{
    /// <summary>Offset of <c>type</c>.</summary>
    public const int TypeOffset = 0;

    /// <summary>Offset of <c>req_id</c>.</summary>
    public const int RequestIdOffset = 4;

    /// <summary>Offset of <c>tx_id</c>.</summary>
    public const int TransactionIdOffset = 8;

    /// <summary>Offset of <c>len</c>.</summary>
    public const int LengthOffset = 12;

    /// <summary>Size of the header.</summary>
    public const int Size = 16;

    internal static MessageHeader Read(ReadOnlySpan<byte> header) => new(
        (StoreMessageType)BinaryPrimitives.ReadUInt32LittleEndian(header[TypeOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(header[RequestIdOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(header[TransactionIdOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(header[LengthOffset..]));

    internal static void Write(Span<byte> header, StoreMessageType type, uint requestId, uint transactionId, uint length)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header[TypeOffset..], (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(header[RequestIdOffset..], requestId);
        BinaryPrimitives.WriteUInt32LittleEndian(header[TransactionIdOffset..], transactionId);
        BinaryPrimitives.WriteUInt32LittleEndian(header[LengthOffset..], length);
    }
}
