using System.Buffers;
using System.Buffers.Binary;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Nbd.Connections;

/// <summary>One transmission request header, copied out of the receive buffer before it is checked.</summary>
internal readonly struct RequestHeader
{
    public RequestHeader(uint magic, NbdCommandFlags flags, NbdCommand command, ulong cookie, ulong offset, uint length)
    {
        Magic = magic;
        Flags = flags;
        Command = command;
        Cookie = cookie;
        Offset = offset;
        Length = length;
    }

    public uint Magic { get; }

    public NbdCommandFlags Flags { get; }

    public NbdCommand Command { get; }

    /// <summary>The client's opaque handle, echoed in the reply.</summary>
    public ulong Cookie { get; }

    public ulong Offset { get; }

    public uint Length { get; }

    /// <summary>Reads the first <see cref="NbdWire.RequestHeaderLength"/> bytes of <paramref name="buffer"/>.</summary>
    public static RequestHeader Read(in ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan;
        if (first.Length >= NbdWire.RequestHeaderLength)
        {
            return Read(first);
        }

        Span<byte> copy = stackalloc byte[NbdWire.RequestHeaderLength];
        buffer.Slice(0, NbdWire.RequestHeaderLength).CopyTo(copy);
        return Read(copy);
    }

    private static RequestHeader Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt32BigEndian(bytes),
        (NbdCommandFlags)BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]),
        (NbdCommand)BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt32BigEndian(bytes[24..]));
}
