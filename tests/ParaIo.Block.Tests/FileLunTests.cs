using System.Runtime.InteropServices;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;

namespace ParaIo.Block.Tests;

/// <summary>The raw image LUN on its own: sparse creation, sizes, scatter/gather, O_DIRECT, holes.</summary>
[TestClass]
public sealed partial class FileLunTests
{
    private const int SeekData = 3;
    private const int ENXIO = 6;

    private string _directory = null!;

    [TestInitialize]
    public void CreateDirectory() =>
        _directory = Directory.CreateDirectory(Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "paraio-lun-" + Guid.NewGuid().ToString("N"))).FullName;

    [TestCleanup]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [TestMethod]
    public void ANewImageIsSparse()
    {
        var path = Path.Combine(_directory, "sparse.img");
        using (var lun = FileLun.Create(path, 1L << 30))
        {
            Assert.AreEqual(1L << 30, lun.Size);
        }

        Assert.AreEqual(1L << 30, new FileInfo(path).Length);
        Assert.IsFalse(HasData(path), "no block of a fresh image is allocated");
    }

    [TestMethod]
    public async Task CachedTransfersCompleteOnTheCallingThreadAndStillCarryTheData()
    {
        using var lun = FileLun.Create(Path.Combine(_directory, "hot.img"), 1 << 20);
        ILun view = lun;
        var data = DataIntegrityTests.Pattern(64 << 10, 7);

        // tmpfs (or a warm page cache) never blocks: RWF_NOWAIT serves both on this thread.
        var write = view.WriteAsync(4096, data);
        Assert.IsTrue(write.IsCompletedSuccessfully, "a write the cache takes at once completes inline");
        await write;
        var back = new byte[data.Length];
        var read = view.ReadAsync(4096, back);
        Assert.IsTrue(read.IsCompletedSuccessfully, "a cached read completes inline");
        await read;
        CollectionAssert.AreEqual(data, back);

        // Scatter reads take the same path; a range that is a hole reads as zeros.
        var parts = new[] { new byte[4096], new byte[8192] };
        await view.ReadAsync(4096, parts.Select(p => (Memory<byte>)p).ToArray());
        CollectionAssert.AreEqual(data.AsSpan(0, 4096).ToArray(), parts[0]);
        CollectionAssert.AreEqual(data.AsSpan(4096, 8192).ToArray(), parts[1]);
        var hole = new byte[4096];
        await view.ReadAsync(512 << 10, hole);
        Assert.IsTrue(hole.All(b => b == 0));
    }

    [TestMethod]
    public void APreallocatedImageIsNot()
    {
        var path = Path.Combine(_directory, "full.img");
        using (FileLun.Create(path, 1 << 20, new FileLunOptions { Preallocate = true }))
        {
        }

        Assert.AreEqual(1 << 20, new FileInfo(path).Length);
    }

    [TestMethod]
    public void CreateRefusesToOverwriteAndOddSizes()
    {
        var path = Path.Combine(_directory, "a.img");
        using (FileLun.Create(path, 4096))
        {
        }

        Assert.ThrowsExactly<IOException>(() => FileLun.Create(path, 4096));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FileLun.Create(Path.Combine(_directory, "b.img"), 1000));
    }

    [TestMethod]
    public void OpenRoundsDownToWholeSectors()
    {
        var path = Path.Combine(_directory, "odd.img");
        File.WriteAllBytes(path, new byte[5000]);

        using var lun = FileLun.Open(path);

        Assert.AreEqual(4608, lun.Size);
    }

    [TestMethod]
    public void AnImageHasOneUserAtATime()
    {
        var path = Path.Combine(_directory, "locked.img");
        using var lun = FileLun.Create(path, 4096);

        Assert.ThrowsExactly<IOException>(() => FileLun.Open(path));
    }

    [TestMethod]
    public async Task ResizeGrowsTheDisk()
    {
        var path = Path.Combine(_directory, "grow.img");
        using var lun = FileLun.Create(path, 4096);
        ILun disk = lun;
        var data = DataIntegrityTests.Pattern(512, 1);

        await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() => disk.WriteAsync(4096, data).AsTask());
        lun.Resize(8192);
        await disk.WriteAsync(4096, data);

        Assert.AreEqual(8192, lun.Size);
        Assert.AreEqual(8192, new FileInfo(path).Length);
        var back = new byte[512];
        await disk.ReadAsync(4096, back);
        CollectionAssert.AreEqual(data, back);
    }

    [TestMethod]
    public async Task AReadOnlyImageRefusesWrites()
    {
        var path = Path.Combine(_directory, "ro.img");
        using (FileLun.Create(path, 4096))
        {
        }

        using var lun = FileLun.Open(path, new FileLunOptions { ReadOnly = true });
        ILun disk = lun;

        Assert.IsTrue(lun.IsReadOnly);
        Assert.IsFalse(lun.CanDiscard);
        Assert.ThrowsExactly<InvalidOperationException>(() => disk.WriteAsync(0, new byte[512]).AsTask());
        await disk.ReadAsync(0, new byte[512]);
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public async Task ScatterAndGatherKeepTheSegmentsInOrder(bool synchronous, bool direct)
    {
        using var lun = FileLun.Create(Path.Combine(_directory, "sg.img"), 1 << 20, new FileLunOptions { SynchronousIo = synchronous, Direct = direct });
        ILun disk = lun;
        using var aligned = new AlignedBuffer(3 * 4096);
        var pattern = DataIntegrityTests.Pattern(3 * 4096, 9);
        pattern.CopyTo(aligned.Memory.Span);
        var pieces = new[] { aligned.Memory[..4096], aligned.Memory.Slice(4096, 4096), aligned.Memory[8192..] };

        await disk.WriteAsync(8192, pieces.Select(p => (ReadOnlyMemory<byte>)p).ToArray());
        aligned.Memory.Span.Clear();
        await disk.ReadAsync(8192, pieces);

        CollectionAssert.AreEqual(pattern, aligned.Memory.ToArray());
        // Unaligned transfers take the buffered descriptor when O_DIRECT is on.
        var odd = new byte[1536];
        await disk.ReadAsync(8192 + 512, odd);
        CollectionAssert.AreEqual(pattern[512..2048], odd);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task AScatterReadLongerThanIovMaxIsFinished(bool synchronous)
    {
        // preadv takes at most 1024 buffers (IOV_MAX) and reads short beyond them.
        using var lun = FileLun.Create(Path.Combine(_directory, "iov.img"), 2 << 20, new FileLunOptions { SynchronousIo = synchronous });
        ILun disk = lun;
        var pattern = DataIntegrityTests.Pattern(2000 * 512, 5);
        await disk.WriteAsync(4096, pattern);
        var pieces = Enumerable.Range(0, 2000).Select(_ => new Memory<byte>(new byte[512])).ToArray();

        await disk.ReadAsync(4096, pieces);

        CollectionAssert.AreEqual(pattern, pieces.SelectMany(p => p.ToArray()).ToArray());
    }

    [TestMethod]
    public async Task DiscardPunchesAHole()
    {
        var path = Path.Combine(_directory, "hole.img");
        using var lun = FileLun.Create(path, 1 << 20);
        ILun disk = lun;
        await disk.WriteAsync(0, DataIntegrityTests.Pattern(1 << 20, 3));
        Assert.IsTrue(HasData(path));

        await disk.DiscardAsync(0, 1 << 20);
        await disk.FlushAsync();

        Assert.IsFalse(HasData(path), "every block was given back");
        var back = new byte[4096];
        await disk.ReadAsync(65536, back);
        Assert.IsTrue(back.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    private static bool HasData(string path)
    {
        using var handle = Native.OpenForInspection(path);
        var offset = LSeek((int)handle.DangerousGetHandle(), 0, SeekData);
        if (offset < 0 && Marshal.GetLastPInvokeError() == ENXIO)
        {
            return false;
        }

        return offset >= 0;
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);

    /// <summary>Page-aligned native memory, as O_DIRECT wants and as guest pages are.</summary>
    private sealed unsafe class AlignedBuffer : System.Buffers.MemoryManager<byte>
    {
        private readonly byte* _pointer;
        private readonly int _length;

        public AlignedBuffer(int length)
        {
            _length = length;
            _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, 4096);
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => NativeMemory.AlignedFree(_pointer);
    }
}
