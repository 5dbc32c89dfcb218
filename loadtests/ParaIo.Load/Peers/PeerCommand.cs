using System.Buffers.Binary;

namespace ParaIo.Load.Peers;

/// <summary>
/// One command on the control socket, a fixed 32-byte little-endian record:
/// <code>
///  +0 u32 op   +4 u32 ring (index into the handed-over offers)   +8 i32 first page   +12 i32 page count
///  +16 i64 limit in ms: the peer gives up on the run after this long   +24 i64 argument
/// </code>
/// </summary>
internal readonly record struct PeerCommand(PeerOp Op, int Ring = 0, int FirstPage = 0, int PageCount = 0, long LimitMs = 0, long Argument = 0)
{
    public const int Size = 32;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Op);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Ring);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], FirstPage);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], PageCount);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], LimitMs);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], Argument);
    }

    public static PeerCommand Read(ReadOnlySpan<byte> source) => new(
        (PeerOp)BinaryPrimitives.ReadUInt32LittleEndian(source),
        BinaryPrimitives.ReadInt32LittleEndian(source[4..]),
        BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
        BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[16..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[24..]));
}
