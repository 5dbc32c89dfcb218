using System.Buffers.Binary;

namespace ParaIo.Load.Peers;

/// <summary>The peer's answer to a command: ready to serve, done (with its own counters), or failed.</summary>
internal enum PeerStatus : uint
{
    Ready = 1,
    Done = 2,
    Failed = 3,
}

/// <summary>
/// One reply on the control socket, a fixed 32-byte little-endian record:
/// <code>
///  +0 u32 status   +4 u32 0   +8 i64 value 0   +16 i64 value 1   +24 i64 value 2
/// </code>
/// The values are the peer's counters for the run (notifications it sent, futex wake-ups, sleeps).
/// </summary>
internal readonly record struct PeerReply(PeerStatus Status, long Value0 = 0, long Value1 = 0, long Value2 = 0)
{
    public const int Size = 32;

    public static PeerReply Ready => new(PeerStatus.Ready);

    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Status);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Value0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], Value1);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], Value2);
    }

    public static PeerReply Read(ReadOnlySpan<byte> source) => new(
        (PeerStatus)BinaryPrimitives.ReadUInt32LittleEndian(source),
        BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[16..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[24..]));
}
