using ParaIo.RingBuffer.Grants;

namespace ParaIo.Load.Linux;

/// <summary>
/// Pages of a guest's pool mapped straight from its memfd, bypassing the grant table: what the
/// "limit" baselines (bare shared memory, no protocol) and the demo's statistics page use on the
/// peer's side. ParaIo's own backend never does this; it reaches guest pages only through grants.
/// </summary>
internal sealed unsafe class BareMapping : IDisposable
{
    private readonly byte* _address;
    private readonly nuint _length;

    private BareMapping(byte* address, nuint length)
    {
        _address = address;
        _length = length;
    }

    /// <summary>The mapped bytes.</summary>
    public Span<byte> Span => new(_address, (int)_length);

    /// <summary>Maps <paramref name="count"/> pages from <paramref name="firstPage"/> of the pool's memfd.</summary>
    public static BareMapping Map(GrantPool pool, int firstPage, int count)
    {
        if (firstPage < pool.Geometry.FirstDataPage || count < 1 || (long)firstPage + count > pool.Geometry.PageCount)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPage), $"Pages {firstPage}..{firstPage + count - 1} are not data pages of the pool.");
        }

        var length = (nuint)(count * PoolLayout.PageSize);
        var address = Native.Mmap(null, length, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED, (int)pool.FileDescriptor.DangerousGetHandle(), (long)firstPage * PoolLayout.PageSize);
        if (address == (void*)-1)
        {
            throw Native.ErrnoException("mmap");
        }

        return new BareMapping((byte*)address, length);
    }

    /// <inheritdoc />
    public void Dispose() => Native.Munmap(_address, _length);
}
