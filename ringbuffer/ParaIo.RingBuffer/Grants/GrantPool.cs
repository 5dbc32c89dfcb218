using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Linux;

namespace ParaIo.RingBuffer.Grants;

/// <summary>
/// A guest's shared-memory region of 4 KiB pages: a sealed memfd mapped by the guest that created
/// it and by the backend it was handed to. Holds the grant table, the event channel ports and the
/// data pages that rings and buffers are carved from.
/// </summary>
/// <remarks>
/// The guest seals the memfd against shrinking and growing before handing it over, and the
/// backend refuses a pool without those seals: a guest that could shrink the file would make the
/// backend's next access to a vanished page raise SIGBUS and take the daemon down.
/// </remarks>
public sealed unsafe class GrantPool : IDisposable
{
    private const int RequiredSeals = LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL;

    private readonly SafeFileHandle _fd;
    private byte* _base;

    private GrantPool(SafeFileHandle fd, byte* mapping, PoolGeometry geometry, bool isOwner)
    {
        _fd = fd;
        _base = mapping;
        Geometry = geometry;
        IsOwner = isOwner;
    }

    /// <summary>The pool's shape, from private memory.</summary>
    public PoolGeometry Geometry { get; }

    /// <summary>True in the guest that created the pool, false in a process that attached to it.</summary>
    public bool IsOwner { get; }

    /// <summary>The memfd, to hand to the backend with <see cref="FdPassing"/>.</summary>
    public SafeFileHandle FileDescriptor => _fd;

    /// <summary>
    /// Creates a pool of <paramref name="pageCount"/> pages (guest side), writes its header, zeroes
    /// its metadata and seals it.
    /// </summary>
    public static GrantPool Create(int pageCount, int grantEntries = 4096, int eventPorts = 64, string name = "paraio-pool")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grantEntries, 2); // grant 0 is reserved
        ArgumentOutOfRangeException.ThrowIfLessThan(eventPorts, 1);
        var grantPages = Math.Max(1, (grantEntries + GrantEntryLayout.EntriesPerPage - 1) / GrantEntryLayout.EntriesPerPage);
        var eventPages = Math.Max(1, (eventPorts + EventChannelLayoutConstants.PortsPerPage - 1) / EventChannelLayoutConstants.PortsPerPage);
        var geometry = new PoolGeometry(pageCount, grantPages, eventPages);
        if (geometry.Validate() is { } problem)
        {
            throw new ArgumentException($"Cannot create a grant pool: {problem}.", nameof(pageCount));
        }

        var raw = LibC.MemfdCreate(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        if (raw < 0)
        {
            LibC.ThrowErrno("memfd_create");
        }

        var fd = new SafeFileHandle(raw, ownsHandle: true);
        try
        {
            if (LibC.FTruncate(raw, geometry.ByteLength) != 0)
            {
                LibC.ThrowErrno("ftruncate of the grant pool");
            }

            if (LibC.Fcntl(raw, LibC.F_ADD_SEALS, RequiredSeals) != 0)
            {
                LibC.ThrowErrno("sealing the grant pool");
            }

            var mapping = MapShared(raw, geometry.ByteLength);
            var header = new Span<byte>(mapping, PoolLayout.PageSize);
            BinaryPrimitives.WriteUInt64LittleEndian(header[PoolLayout.MagicOffset..], PoolLayout.Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(header[PoolLayout.VersionOffset..], PoolLayout.Version);
            BinaryPrimitives.WriteUInt32LittleEndian(header[PoolLayout.PageSizeOffset..], PoolLayout.PageSize);
            BinaryPrimitives.WriteInt32LittleEndian(header[PoolLayout.PageCountOffset..], geometry.PageCount);
            BinaryPrimitives.WriteInt32LittleEndian(header[PoolLayout.GrantPagesOffset..], geometry.GrantPages);
            BinaryPrimitives.WriteInt32LittleEndian(header[PoolLayout.EventPagesOffset..], geometry.EventPages);
            BinaryPrimitives.WriteInt32LittleEndian(header[PoolLayout.FirstDataPageOffset..], geometry.FirstDataPage);
            return new GrantPool(fd, mapping, geometry, isOwner: true);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Maps a pool received from a guest (backend side). Takes ownership of <paramref name="fd"/>.
    /// Checks the seals, the header and the file's real size; a pool that fails any check is refused
    /// with <see cref="InvalidDataException"/> and nothing stays mapped.
    /// </summary>
    public static GrantPool Attach(SafeFileHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        var raw = (int)fd.DangerousGetHandle();
        try
        {
            var seals = LibC.Fcntl(raw, LibC.F_GET_SEALS, 0);
            if (seals < 0 || (seals & RequiredSeals) != RequiredSeals)
            {
                throw new InvalidDataException("The grant pool is not sealed against shrinking and growing; refusing to map it.");
            }

            var size = LibC.LSeek(raw, 0, 2 /* SEEK_END */);
            if (size < PoolLayout.PageSize || size % PoolLayout.PageSize != 0 || size / PoolLayout.PageSize > PoolLayout.MaxPages)
            {
                throw new InvalidDataException($"The grant pool's size of {size} bytes is not a whole number of pages within {PoolLayout.MaxPages} pages.");
            }

            var mapping = MapShared(raw, size);
            try
            {
                // One read of the header into private memory; it is never consulted again.
                var header = new ReadOnlySpan<byte>(mapping, PoolLayout.PageSize).ToArray();
                var geometry = ReadGeometry(header, size);
                return new GrantPool(fd, mapping, geometry, isOwner: false);
            }
            catch
            {
                LibC.Munmap(mapping, (nuint)size);
                throw;
            }
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private static PoolGeometry ReadGeometry(ReadOnlySpan<byte> header, long size)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(header[PoolLayout.MagicOffset..]) != PoolLayout.Magic)
        {
            throw new InvalidDataException("The grant pool header has a bad magic number.");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(header[PoolLayout.VersionOffset..]);
        if (version != PoolLayout.Version)
        {
            throw new InvalidDataException($"The grant pool has layout version {version}; this backend speaks version {PoolLayout.Version}.");
        }

        var pageSize = BinaryPrimitives.ReadUInt32LittleEndian(header[PoolLayout.PageSizeOffset..]);
        var pageCount = BinaryPrimitives.ReadInt32LittleEndian(header[PoolLayout.PageCountOffset..]);
        var geometry = new PoolGeometry(
            pageCount,
            BinaryPrimitives.ReadInt32LittleEndian(header[PoolLayout.GrantPagesOffset..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[PoolLayout.EventPagesOffset..]));
        if (pageSize != PoolLayout.PageSize)
        {
            throw new InvalidDataException($"The grant pool claims {pageSize}-byte pages; only {PoolLayout.PageSize} is supported.");
        }

        if ((long)pageCount * PoolLayout.PageSize != size)
        {
            throw new InvalidDataException($"The grant pool header claims {pageCount} pages but the region holds {size / PoolLayout.PageSize}.");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(header[PoolLayout.FirstDataPageOffset..]) != geometry.FirstDataPage)
        {
            throw new InvalidDataException("The grant pool header's first data page does not follow from its table sizes.");
        }

        if (geometry.Validate() is { } problem)
        {
            throw new InvalidDataException($"The grant pool header is unusable: {problem}.");
        }

        return geometry;
    }

    private static byte* MapShared(int fd, long length)
    {
        var mapping = LibC.Mmap(null, (nuint)length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (mapping == (void*)-1)
        {
            LibC.ThrowErrno("mmap of the grant pool");
        }

        return (byte*)mapping;
    }

    /// <summary>The bytes of one of the guest's own data pages.</summary>
    /// <exception cref="InvalidOperationException">Called in the backend: it reaches guest memory only through <see cref="GrantMapper"/>.</exception>
    public Span<byte> GetPage(int page) => GetPages(page, 1);

    /// <summary>The bytes of <paramref name="count"/> consecutive data pages of the guest's own pool.</summary>
    /// <exception cref="InvalidOperationException">Called in the backend: it reaches guest memory only through <see cref="GrantMapper"/>.</exception>
    public Span<byte> GetPages(int firstPage, int count)
    {
        if (!IsOwner)
        {
            throw new InvalidOperationException("The backend reaches a guest's pages only through grants it maps with a GrantMapper.");
        }

        CheckDataPages(firstPage, count);
        return new Span<byte>(PagePointer((uint)firstPage), count * PoolLayout.PageSize);
    }

    /// <summary>Address of a page; the caller has checked the page number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* PagePointer(uint page)
    {
        Debug.Assert(page < (uint)Geometry.PageCount);
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base + ((nuint)page << PoolLayout.PageShift);
    }

    /// <summary>Address of a grant table entry; the caller has checked the reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* GrantEntryPointer(uint gref) => _base + PoolLayout.PageSize + ((nuint)gref * GrantEntryLayout.Size);

    /// <summary>Address of an event channel port; the caller has checked the port number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* EventPortPointer(uint port) =>
        _base + ((nuint)(1 + Geometry.GrantPages) << PoolLayout.PageShift) + ((nuint)port * Events.EventChannelLayout.PortStride);

    internal void CheckDataPages(int firstPage, int count)
    {
        if (count < 1 || firstPage < Geometry.FirstDataPage || (long)firstPage + count > Geometry.PageCount)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPage), $"Pages {firstPage}..{(long)firstPage + count - 1} are not data pages of this pool ({Geometry.FirstDataPage}..{Geometry.PageCount - 1}).");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_base != null)
        {
            LibC.Munmap(_base, (nuint)Geometry.ByteLength);
            _base = null;
        }

        _fd.Dispose();
    }
}
