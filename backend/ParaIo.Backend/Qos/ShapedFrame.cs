using System.Buffers;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Qos;

/// <summary>
/// A private copy of one frame waiting in an <see cref="EgressShaper"/>: its bytes in a pooled
/// buffer, its offload metadata, the class it queues in and the bridge port it entered from.
/// Pooled by its shaper, so that queueing a frame allocates nothing once warm.
/// </summary>
internal sealed class ShapedFrame
{
    private byte[] _buffer = [];

    /// <summary>The frame's bytes (the buffer may be longer).</summary>
    public byte[] Buffer => _buffer;

    public int Length { get; private set; }

    public FrameOffload Offload { get; private set; }

    /// <summary>The port the frame is forwarded from, as if it had entered the bridge there directly.</summary>
    public BridgePort? Source { get; private set; }

    public ShapedClass? Class { get; set; }

    /// <summary>Copies <paramref name="frame"/> into a buffer rented for it.</summary>
    public Span<byte> Fill(BridgePort source, EthernetFrame frame)
    {
        Length = frame.Length;
        _buffer = ArrayPool<byte>.Shared.Rent(Length);
        var bytes = _buffer.AsSpan(0, Length);
        frame.CopyTo(0, bytes);
        Offload = frame.Offload;
        Source = source;
        return bytes;
    }

    /// <summary>Returns the buffer and forgets the frame, for the pool.</summary>
    public void Clear()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
        Length = 0;
        Offload = default;
        Source = null;
        Class = null;
    }
}
