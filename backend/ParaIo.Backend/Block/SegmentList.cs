using System.Collections;

namespace ParaIo.Backend.Block;

/// <summary>
/// The segments of one request as the scatter/gather list <see cref="RandomAccess"/> takes, for
/// reads (<see cref="Memory{T}"/>) and writes (<see cref="ReadOnlyMemory{T}"/>); reused across
/// requests so a vectored transfer allocates nothing here.
/// </summary>
internal sealed class SegmentList : IReadOnlyList<Memory<byte>>, IReadOnlyList<ReadOnlyMemory<byte>>
{
    private readonly Memory<byte>[] _segments;

    public SegmentList(int capacity) => _segments = new Memory<byte>[capacity];

    public int Capacity => _segments.Length;

    public int Count { get; private set; }

    public Memory<byte> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return _segments[index];
        }
    }

    ReadOnlyMemory<byte> IReadOnlyList<ReadOnlyMemory<byte>>.this[int index] => this[index];

    public void Set(int index, Memory<byte> segment) => _segments[index] = segment;

    public void SetCount(int count) => Count = count;

    public void Clear()
    {
        _segments.AsSpan(0, Count).Clear();
        Count = 0;
    }

    public IEnumerator<Memory<byte>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _segments[i];
        }
    }

    IEnumerator<ReadOnlyMemory<byte>> IEnumerable<ReadOnlyMemory<byte>>.GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _segments[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
