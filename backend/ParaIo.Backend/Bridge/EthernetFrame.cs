using System.Runtime.CompilerServices;

namespace ParaIo.Backend.Bridge;

/// <summary>
/// A frame entering the bridge, as the list of buffers it already sits in — mapped guest pages
/// for a vif, an array for a TAP read — so that nothing is copied until an egress port copies it
/// out. One instance is reused by its producer frame after frame; it is valid only during
/// <see cref="SoftwareBridge.Forward"/>.
/// </summary>
public sealed unsafe class EthernetFrame
{
    private readonly Segment[] _segments;
    private int _count;

    /// <summary>Creates a frame that can hold up to <paramref name="maxSegments"/> buffers.</summary>
    public EthernetFrame(int maxSegments = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSegments, 1);
        _segments = new Segment[maxSegments];
    }

    /// <summary>Total length in bytes.</summary>
    public int Length { get; private set; }

    /// <summary>Buffers making up the frame.</summary>
    public int SegmentCount => _count;

    /// <summary>The sender's offload metadata.</summary>
    public FrameOffload Offload { get; set; }

    /// <summary>Buffer <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetSegment(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        ref readonly var s = ref _segments[index];
        return s.Array is { } array ? new ReadOnlySpan<byte>(array, s.Offset, s.Length) : new ReadOnlySpan<byte>((void*)s.Address, s.Length);
    }

    /// <summary>Empties the frame for reuse.</summary>
    public void Clear()
    {
        Array.Clear(_segments, 0, _count);
        _count = 0;
        Length = 0;
        Offload = default;
    }

    /// <summary>Appends a managed buffer (it must stay unchanged while the frame is forwarded).</summary>
    public void Append(byte[] array, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)offset, (uint)array.Length, nameof(offset));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)(array.Length - offset), nameof(length));
        Add(new Segment { Array = array, Offset = offset, Length = length });
    }

    /// <summary>Appends memory that does not move (a mapped page); it must stay mapped while the frame is forwarded.</summary>
    internal void Append(byte* address, int length) => Add(new Segment { Address = (nint)address, Length = length });

    /// <summary>Copies bytes <paramref name="offset"/> .. <paramref name="offset"/> + destination length of the frame.</summary>
    public void CopyTo(int offset, Span<byte> destination)
    {
        if ((uint)offset > (uint)Length || (uint)destination.Length > (uint)(Length - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        var i = 0;
        while (offset >= _segments[i].Length)
        {
            offset -= _segments[i].Length;
            i++;
        }

        while (!destination.IsEmpty)
        {
            var piece = GetSegment(i)[offset..];
            if (piece.Length > destination.Length)
            {
                piece = piece[..destination.Length];
            }

            piece.CopyTo(destination);
            destination = destination[piece.Length..];
            offset = 0;
            i++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Add(in Segment segment)
    {
        if (_count == _segments.Length)
        {
            throw new InvalidOperationException($"A frame holds at most {_segments.Length} buffers.");
        }

        if (segment.Length == 0)
        {
            return;
        }

        _segments[_count++] = segment;
        Length += segment.Length;
    }

    private struct Segment
    {
        public byte[]? Array;
        public nint Address;
        public int Offset;
        public int Length;
    }
}
