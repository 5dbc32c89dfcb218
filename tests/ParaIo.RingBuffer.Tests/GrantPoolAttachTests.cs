using System.Buffers.Binary;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Linux;

namespace ParaIo.RingBuffer.Tests;

/// <summary>
/// The backend's checks on a pool a guest hands over: seals, header, real size and limits. Each
/// refused attach must close the descriptor it was given and leave nothing mapped. The pools are
/// built by hand here, as a hostile or broken guest would build them, and each differs from a
/// good pool (which attaches, see <see cref="HandBuiltPoolWithAGoodHeaderAttaches"/>) in one field.
/// </summary>
[TestClass]
public sealed unsafe class GrantPoolAttachTests
{
    private const int Pages = 8;
    private const int AllSeals = LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL;

    private string _name = null!;

    [TestInitialize]
    public void SetUp() => _name = $"paraio-attach-{Guid.NewGuid():N}";

    [TestMethod]
    public void HandBuiltPoolWithAGoodHeaderAttaches()
    {
        using (var pool = GrantPool.Attach(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header())))
        {
            Assert.AreEqual(new PoolGeometry(Pages, 1, 1), pool.Geometry);
            Assert.IsFalse(pool.IsOwner);
            Assert.AreEqual(1, OpenDescriptors());
            Assert.AreEqual(1, Mappings());
        }

        Assert.AreEqual(0, OpenDescriptors());
        Assert.AreEqual(0, Mappings());
    }

    [TestMethod]
    public void UnsealedMemfdIsRefused()
    {
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, seals: 0, Header()), "not sealed");
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, LibC.F_SEAL_SHRINK | LibC.F_SEAL_SEAL, Header()), "not sealed");
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, LibC.F_SEAL_GROW | LibC.F_SEAL_SHRINK, Header()), "not sealed");
    }

    [TestMethod]
    public void DescriptorThatIsNotAMemfdIsRefusedAndClosed()
    {
        var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);

        var refused = Assert.ThrowsExactly<InvalidDataException>(() => GrantPool.Attach(devNull));

        Assert.Contains("not sealed", refused.Message);
        Assert.IsTrue(devNull.IsClosed);
    }

    [TestMethod]
    public void BadMagicIsRefused()
    {
        var header = Header();
        header[0] ^= 0x20; // "pARAIOGP"
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, header), "bad magic");
    }

    [TestMethod]
    public void OtherVersionOrPageSizeIsRefused()
    {
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(version: 2)), "layout version 2");
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(pageSize: 8192)), "8192-byte pages");
    }

    [TestMethod]
    public void PageCountThatDisagreesWithTheFileSizeIsRefused()
    {
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(pageCount: Pages + 1)), $"claims {Pages + 1} pages but the region holds {Pages}");
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(pageCount: Pages - 1)), $"claims {Pages - 1} pages but the region holds {Pages}");
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(pageCount: -Pages)), "but the region holds");
    }

    [TestMethod]
    public void FileSizeThatIsNotAWholeNumberOfPagesWithinTheLimitIsRefused()
    {
        AssertRefused(MakeMemfd(0, AllSeals, []), "not a whole number of pages");
        AssertRefused(MakeMemfd((Pages * PoolLayout.PageSize) + 1, AllSeals, Header()), "not a whole number of pages");
        AssertRefused(MakeMemfd(PoolLayout.PageSize / 2, AllSeals, Header()), "not a whole number of pages");

        // Sparse: the file is never touched past its header, so this costs no memory.
        var tooLarge = (long)(PoolLayout.MaxPages + 1) * PoolLayout.PageSize;
        AssertRefused(MakeMemfd(tooLarge, AllSeals, Header(pageCount: PoolLayout.MaxPages + 1)), $"within {PoolLayout.MaxPages} pages");
    }

    [TestMethod]
    public void GrantTableOrEventAreaOutsideTheLimitsIsRefused()
    {
        foreach (var grantPages in new[] { 0, -1, PoolLayout.MaxGrantPages + 1, int.MaxValue })
        {
            AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(grantPages: grantPages)), $"grant table of {grantPages} pages is outside 1..{PoolLayout.MaxGrantPages}");
        }

        foreach (var eventPages in new[] { 0, PoolLayout.MaxEventPages + 1 })
        {
            AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(eventPages: eventPages)), $"event channel area of {eventPages} pages is outside");
        }

        // Within the limits, but the tables leave no room for data pages.
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(grantPages: Pages - 2)), "leaves no data pages");
    }

    [TestMethod]
    public void FirstDataPageThatDoesNotFollowFromTheTablesIsRefused()
    {
        // A guest claiming its data starts on the grant table page, so grants could name the table.
        AssertRefused(MakeMemfd(Pages * PoolLayout.PageSize, AllSeals, Header(firstDataPage: 1)), "first data page does not follow");
    }

    [TestMethod]
    public void CreateRefusesUnusableGeometry()
    {
        var entriesLimit = PoolLayout.MaxGrantPages * GrantEntryLayout.EntriesPerPage;
        var portsLimit = PoolLayout.MaxEventPages * (PoolLayout.PageSize / Events.EventChannelLayout.PortStride);

        AssertCreateRefused(() => GrantPool.Create(0, name: _name), "leaves no data pages");
        AssertCreateRefused(() => GrantPool.Create(3, grantEntries: GrantEntryLayout.EntriesPerPage, eventPorts: 1, name: _name), "pool of 3 pages leaves no data pages after 3 metadata pages");
        AssertCreateRefused(() => GrantPool.Create(10, name: _name), "pool of 10 pages leaves no data pages after 10 metadata pages");
        AssertCreateRefused(() => GrantPool.Create(-5, name: _name), "leaves no data pages");
        AssertCreateRefused(() => GrantPool.Create(PoolLayout.MaxPages + 1, name: _name), $"larger than the limit of {PoolLayout.MaxPages}");
        AssertCreateRefused(() => GrantPool.Create(1024, grantEntries: entriesLimit + 1, name: _name), "grant table of 65 pages");
        AssertCreateRefused(() => GrantPool.Create(1024, eventPorts: portsLimit + 1, name: _name), "event channel area of 5 pages");

        // The largest tables are accepted.
        using var largest = GrantPool.Create(1 + PoolLayout.MaxGrantPages + PoolLayout.MaxEventPages + 1, entriesLimit, portsLimit, _name);
        Assert.AreEqual(1, largest.Geometry.DataPages);
        Assert.AreEqual(entriesLimit, largest.Geometry.GrantEntries);
        Assert.AreEqual(portsLimit, largest.Geometry.EventPorts);
    }

    [TestMethod]
    public void PoolCreatedByTheGuestAttachesWithTheSameGeometry()
    {
        using var guest = GrantPool.Create(40, grantEntries: 1000, eventPorts: 100, name: _name);
        using var backend = GrantPool.Attach(new SafeFileHandle(LibC.Dup((int)guest.FileDescriptor.DangerousGetHandle()), ownsHandle: true));

        Assert.AreEqual(guest.Geometry, backend.Geometry);
        Assert.AreEqual(new PoolGeometry(40, 2, 2), backend.Geometry);
        Assert.IsTrue(guest.IsOwner);
        Assert.IsFalse(backend.IsOwner);

        // The same bytes, seen by the backend only through a grant it maps.
        guest.GetPage(guest.Geometry.FirstDataPage)[17] = 0x5A;
        var grant = new GrantTable(guest, domain: 1).GrantAccess(0, guest.Geometry.FirstDataPage, readOnly: true);
        var mapper = new GrantMapper(backend, localDomain: 0, guestDomain: 1);
        var mapping = mapper.Map(grant, GrantAccess.Read);
        Assert.AreEqual((byte)0x5A, mapping.ReadOnlySpan[17]);
        mapper.Unmap(mapping);
        Assert.ThrowsExactly<InvalidOperationException>(() => backend.GetPage(backend.Geometry.FirstDataPage));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => guest.GetPage(guest.Geometry.FirstDataPage - 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => guest.GetPage(guest.Geometry.PageCount));
    }

    private void AssertRefused(SafeFileHandle fd, string reason)
    {
        Assert.AreEqual(1, OpenDescriptors(), "the test's own descriptor");
        var mappingsBefore = Mappings();

        var refused = Assert.ThrowsExactly<InvalidDataException>(() => GrantPool.Attach(fd));

        Assert.Contains(reason, refused.Message);
        Assert.IsTrue(fd.IsClosed, "the refused descriptor was not closed");
        Assert.AreEqual(0, OpenDescriptors(), "the refused descriptor is still open in /proc/self/fd");
        Assert.AreEqual(mappingsBefore, Mappings(), "the refused pool is still mapped");
    }

    private void AssertCreateRefused(Action create, string reason)
    {
        var refused = Assert.ThrowsExactly<ArgumentException>(create);
        Assert.Contains(reason, refused.Message);
        Assert.AreEqual(0, OpenDescriptors(), "a refused Create left a memfd open");
    }

    /// <summary>A memfd of <paramref name="size"/> bytes starting with <paramref name="header"/>, sealed with <paramref name="seals"/>.</summary>
    private SafeFileHandle MakeMemfd(long size, int seals, ReadOnlySpan<byte> header)
    {
        var raw = LibC.MemfdCreate(_name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        Assert.IsGreaterThanOrEqualTo(0, raw, "memfd_create");
        var fd = new SafeFileHandle(raw, ownsHandle: true);
        Assert.AreEqual(0, LibC.FTruncate(raw, size), "ftruncate");
        if (!header.IsEmpty)
        {
            RandomAccess.Write(fd, header, fileOffset: 0);
        }

        if (seals != 0)
        {
            Assert.AreEqual(0, LibC.Fcntl(raw, LibC.F_ADD_SEALS, seals), "F_ADD_SEALS");
        }

        return fd;
    }

    private static byte[] Header(
        int pageCount = Pages,
        int grantPages = 1,
        int eventPages = 1,
        int? firstDataPage = null,
        uint version = PoolLayout.Version,
        uint pageSize = PoolLayout.PageSize)
    {
        var header = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(PoolLayout.MagicOffset), PoolLayout.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(PoolLayout.VersionOffset), version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(PoolLayout.PageSizeOffset), pageSize);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(PoolLayout.PageCountOffset), pageCount);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(PoolLayout.GrantPagesOffset), grantPages);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(PoolLayout.EventPagesOffset), eventPages);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(PoolLayout.FirstDataPageOffset), firstDataPage ?? unchecked(1 + grantPages + eventPages));
        return header;
    }

    /// <summary>Descriptors of this process open on this test's memfd.</summary>
    private int OpenDescriptors() => OpenFiles.DescriptorsTo(OpenFiles.Memfd(_name));

    /// <summary>Mappings of this test's memfd in this process.</summary>
    private int Mappings() => OpenFiles.MappingsOf(OpenFiles.Memfd(_name));
}
