namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// Guest-side allocator of a pool's data pages: next fit over a bitmap (the search resumes where
/// the last allocation ended), with runs of consecutive pages for multi-page rings and large
/// buffers. Thread-safe.
/// </summary>
public sealed class PageAllocator
{
    private readonly Lock _lock = new();
    private readonly bool[] _used;
    private readonly int _firstPage;
    private int _freeCount;
    private int _searchFrom;

    /// <summary>Manages the data pages of <paramref name="pool"/>.</summary>
    public PageAllocator(GrantPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (!pool.IsOwner)
        {
            throw new InvalidOperationException("Only the guest that created a pool allocates its pages.");
        }

        _firstPage = pool.Geometry.FirstDataPage;
        _used = new bool[pool.Geometry.DataPages];
        _freeCount = _used.Length;
    }

    /// <summary>Pages not allocated.</summary>
    public int FreePages
    {
        get
        {
            lock (_lock)
            {
                return _freeCount;
            }
        }
    }

    /// <summary>Allocates <paramref name="count"/> consecutive pages and returns the first page number.</summary>
    /// <exception cref="InvalidOperationException">No run of that many free pages is left.</exception>
    public int Allocate(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_lock)
        {
            if (TryFindRun(_searchFrom, _used.Length, count, out var start) || TryFindRun(0, Math.Min(_used.Length, _searchFrom + count - 1), count, out start))
            {
                _used.AsSpan(start, count).Fill(true);
                _freeCount -= count;
                _searchFrom = start + count == _used.Length ? 0 : start + count;
                return _firstPage + start;
            }
        }

        throw new InvalidOperationException($"The grant pool has no run of {count} free pages ({FreePages} pages free in all).");
    }

    /// <summary>Returns pages from <see cref="Allocate"/>.</summary>
    public void Free(int firstPage, int count = 1)
    {
        var start = firstPage - _firstPage;
        if (count < 1 || start < 0 || start + count > _used.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPage), $"Pages {firstPage}..{firstPage + count - 1} are not data pages of this pool.");
        }

        lock (_lock)
        {
            var run = _used.AsSpan(start, count);
            if (run.Contains(false))
            {
                throw new InvalidOperationException($"Pages {firstPage}..{firstPage + count - 1} are not all allocated; freed twice?");
            }

            run.Clear();
            _freeCount += count;
        }
    }

    private bool TryFindRun(int from, int to, int count, out int start)
    {
        var length = 0;
        for (var i = from; i < to; i++)
        {
            length = _used[i] ? 0 : length + 1;
            if (length == count)
            {
                start = i - count + 1;
                return true;
            }
        }

        start = -1;
        return false;
    }
}
