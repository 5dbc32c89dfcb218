using ParaIo.Protocol.Net;

namespace ParaIo.Frontend.Net;

/// <summary>
/// A frame the backend copied into this guest's posted buffers, handed to
/// <see cref="NetFrontendOptions.Receiver"/> in place: its bytes are the rx pages themselves.
/// One instance per queue is reused; it is valid only during the call.
/// </summary>
public sealed class NetReceivedFrame
{
    private readonly NetFrontDevice _device;
    private readonly int[] _buffers;
    private readonly ushort[] _offsets;
    private readonly ushort[] _lengths;
    private int _count;

    internal NetReceivedFrame(NetFrontDevice device, int queue, int maxSegments)
    {
        _device = device;
        Queue = queue;
        _buffers = new int[maxSegments];
        _offsets = new ushort[maxSegments];
        _lengths = new ushort[maxSegments];
    }

    /// <summary>The queue it arrived on.</summary>
    public int Queue { get; }

    /// <summary>Total length in bytes.</summary>
    public int Length { get; private set; }

    /// <summary>Buffers it spans.</summary>
    public int SegmentCount => _count;

    /// <summary>NETRXF_* flags of its first slot.</summary>
    public NetRxFlags Flags { get; internal set; }

    /// <summary>The L4 checksum is blank (the sender offloaded it); the data is known good.</summary>
    public bool ChecksumBlank => (Flags & NetRxFlags.ChecksumBlank) != 0;

    /// <summary>The L4 checksum is known good.</summary>
    public bool DataValidated => (Flags & NetRxFlags.DataValidated) != 0;

    /// <summary>The GSO kind, or none.</summary>
    public NetifGsoType Gso { get; internal set; }

    /// <summary>The GSO segment size (MSS).</summary>
    public ushort GsoSize { get; internal set; }

    internal NetFrontQueue? Owner { get; set; }

    internal int MaxSegments => _buffers.Length;

    /// <summary>Buffer <paramref name="index"/> of the frame.</summary>
    public ReadOnlySpan<byte> GetSegment(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return Owner!.RxPage(_buffers[index]).Slice(_offsets[index], _lengths[index]);
    }

    /// <summary>Copies the whole frame to <paramref name="destination"/>; returns its length.</summary>
    public int CopyTo(Span<byte> destination)
    {
        var at = 0;
        for (var i = 0; i < _count; i++)
        {
            var segment = GetSegment(i);
            segment.CopyTo(destination[at..]);
            at += segment.Length;
        }

        return at;
    }

    /// <summary>The frame as a new array (for tests and slow paths).</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    internal void Add(int buffer, ushort offset, ushort length)
    {
        _buffers[_count] = buffer;
        _offsets[_count] = offset;
        _lengths[_count] = length;
        _count++;
        Length += length;
    }

    internal void Reset()
    {
        _count = 0;
        Length = 0;
        Flags = NetRxFlags.None;
        Gso = NetifGsoType.None;
        GsoSize = 0;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Length} bytes in {_count} buffers on queue {Queue} of {_device}";
}
