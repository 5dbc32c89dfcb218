namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// The pages of one shared ring, mapped writable by the backend and contiguous in its address
/// space. Disposing unmaps them.
/// </summary>
public sealed unsafe class RingMapping : IDisposable
{
    private readonly GrantMapper _mapper;
    private readonly GrantMapping[] _pages;
    private bool _disposed;

    internal RingMapping(GrantMapper mapper, GrantMapping[] pages)
    {
        _mapper = mapper;
        _pages = pages;
    }

    /// <summary>Number of pages (a power of two).</summary>
    public int PageCount => _pages.Length;

    /// <summary>log2 of <see cref="PageCount"/>, Xen's <c>ring-page-order</c>.</summary>
    public int PageOrder => System.Numerics.BitOperations.Log2((uint)_pages.Length);

    internal byte* Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _pages[0].Address;
        }
    }

    internal int ByteLength => _pages.Length * PoolLayout.PageSize;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var page in _pages)
        {
            _mapper.Unmap(page);
        }
    }
}
