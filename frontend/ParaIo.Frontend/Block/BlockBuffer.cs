using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Block;

/// <summary>
/// An I/O buffer carved from the guest's grant pool: whole consecutive pool pages, page-aligned,
/// which BlkFront grants to the backend for the length of each request, so the backend reads and
/// writes it in place. Any slice of <see cref="MemoryManager{T}.Memory"/> that starts and ends on a
/// 512-byte boundary can be passed to <see cref="BlockFrontDevice"/>. Disposing returns the pages
/// to the pool; do not dispose a buffer while a request on it is in flight.
/// </summary>
public sealed unsafe class BlockBuffer : MemoryManager<byte>
{
    private readonly GuestMemory _memory;
    private readonly int _length;
    private int _freed;

    private BlockBuffer(GuestMemory memory, int firstPage, int pageCount, int length)
    {
        _memory = memory;
        FirstPage = firstPage;
        PageCount = pageCount;
        _length = length;
    }

    /// <summary>First pool page of the buffer.</summary>
    public int FirstPage { get; }

    /// <summary>Pool pages the buffer spans.</summary>
    public int PageCount { get; }

    /// <summary>Usable bytes.</summary>
    public int Length => _length;

    /// <summary>The guest memory the pages belong to.</summary>
    public GuestMemory Owner => _memory;

    internal bool IsFreed => Volatile.Read(ref _freed) != 0;

    /// <summary>Allocates a buffer of <paramref name="length"/> bytes from <paramref name="memory"/>'s pool, zeroed.</summary>
    /// <exception cref="InvalidOperationException">The pool has no run of free pages that long.</exception>
    public static BlockBuffer Allocate(GuestMemory memory, int length)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var pages = (int)(((long)length + PoolLayout.PageSize - 1) / PoolLayout.PageSize);
        var first = memory.Pages.Allocate(pages);
        var buffer = new BlockBuffer(memory, first, pages, length);
        buffer.GetSpan().Clear(); // pages come back from the allocator as the last user left them
        return buffer;
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(IsFreed, this);
        return _memory.Pool.GetPages(FirstPage, PageCount)[.._length];
    }

    /// <inheritdoc />
    /// <remarks>Pool pages are shared memory, not managed memory: they never move, so pinning only hands out the address.</remarks>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        var start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(GetSpan()));
        return new MemoryHandle(start + elementIndex);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <summary>Returns the pages to the pool (the same as <see cref="IDisposable.Dispose"/>).</summary>
    public void Dispose() => ((IDisposable)this).Dispose();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0)
        {
            _memory.Pages.Free(FirstPage, PageCount);
        }
    }
}
