using System.Buffers;

namespace ParaIo.Store.Protocol;

/// <summary>A whole encoded frame (header and payload) in a buffer rented from the shared pool.</summary>
internal readonly struct OutboundFrame
{
    public OutboundFrame(byte[] buffer, int length)
    {
        Buffer = buffer;
        Length = length;
    }

    public byte[] Buffer { get; }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Release() => ArrayPool<byte>.Shared.Return(Buffer);
}
