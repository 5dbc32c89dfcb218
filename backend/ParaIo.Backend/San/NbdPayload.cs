using System.Runtime.InteropServices;

namespace ParaIo.Backend.San;

/// <summary>
/// The caller's memory a request's data goes to or comes from: one buffer, or a run of
/// <see cref="Length"/> bytes through a list of buffers starting <see cref="Skip"/> bytes into
/// buffer <see cref="Index"/> (a scatter/gather list, as BlkBack passes the pages of one request).
/// </summary>
internal readonly struct NbdPayload
{
    private readonly Memory<byte> _single;
    private readonly object? _list; // IReadOnlyList<Memory<byte>> or IReadOnlyList<ReadOnlyMemory<byte>>

    private NbdPayload(Memory<byte> single, object? list, int index, int skip, long length)
    {
        _single = single;
        _list = list;
        Index = index;
        Skip = skip;
        Length = length;
    }

    public long Length { get; }

    private int Index { get; }

    private int Skip { get; }

    public static NbdPayload Of(Memory<byte> buffer) => new(buffer, null, 0, 0, buffer.Length);

    public static NbdPayload Of(ReadOnlyMemory<byte> buffer) => Of(MemoryMarshal.AsMemory(buffer));

    public static NbdPayload Of(IReadOnlyList<Memory<byte>> buffers) => new(default, buffers, 0, 0, Sum(buffers));

    public static NbdPayload Of(IReadOnlyList<ReadOnlyMemory<byte>> buffers) => new(default, buffers, 0, 0, Sum(buffers));

    /// <summary>The first <paramref name="count"/> bytes; <paramref name="rest"/> is what follows them.</summary>
    /// <remarks><paramref name="rest"/> may be this very payload (<c>p.Take(n, out p)</c>): it is written last.</remarks>
    public NbdPayload Take(int count, out NbdPayload rest)
    {
        if (_list is null)
        {
            var head = new NbdPayload(_single[..count], null, 0, 0, count);
            rest = new NbdPayload(_single[count..], null, 0, 0, Length - count);
            return head;
        }

        var index = Index;
        var skip = Skip;
        long left = count;
        while (left > 0)
        {
            var available = PieceAt(index).Length - skip;
            if (left < available)
            {
                skip += (int)left;
                break;
            }

            left -= available;
            index++;
            skip = 0;
        }

        var first = new NbdPayload(default, _list, Index, Skip, count);
        rest = new NbdPayload(default, _list, index, skip, Length - count);
        return first;
    }

    public Enumerator GetEnumerator() => new(this);

    private Memory<byte> PieceAt(int index) => _list is IReadOnlyList<Memory<byte>> writable
        ? writable[index]
        : MemoryMarshal.AsMemory(((IReadOnlyList<ReadOnlyMemory<byte>>)_list!)[index]);

    private static long Sum(IReadOnlyList<Memory<byte>> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        long length = 0;
        for (var i = 0; i < buffers.Count; i++)
        {
            length += buffers[i].Length;
        }

        return length;
    }

    private static long Sum(IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        long length = 0;
        for (var i = 0; i < buffers.Count; i++)
        {
            length += buffers[i].Length;
        }

        return length;
    }

    /// <summary>The payload's pieces in order, each non-empty.</summary>
    public struct Enumerator
    {
        private readonly NbdPayload _payload;
        private int _index;
        private long _left;
        private bool _first;

        public Enumerator(NbdPayload payload)
        {
            _payload = payload;
            _index = payload.Index;
            _left = payload.Length;
            _first = true;
            Current = default;
        }

        public Memory<byte> Current { get; private set; }

        public bool MoveNext()
        {
            while (_left > 0)
            {
                Memory<byte> piece;
                if (_payload._list is null)
                {
                    piece = _payload._single;
                }
                else
                {
                    piece = _payload.PieceAt(_index++);
                    if (_first)
                    {
                        piece = piece[_payload.Skip..];
                    }
                }

                _first = false;
                if (piece.Length > _left)
                {
                    piece = piece[..(int)_left];
                }

                _left -= piece.Length;
                if (!piece.IsEmpty)
                {
                    Current = piece;
                    return true;
                }
            }

            return false;
        }
    }
}
