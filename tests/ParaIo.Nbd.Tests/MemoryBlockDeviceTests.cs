using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>The in-memory device the tests and demos stand on.</summary>
[TestClass]
public sealed class MemoryBlockDeviceTests
{
    private const int MiB = 1 << 20;

    [TestMethod]
    public async Task AFreshDeviceReadsAsZeroesAndAllocatesNothing()
    {
        var device = new MemoryBlockDevice(1024L * MiB);
        var buffer = new byte[8192];
        buffer.AsSpan().Fill(0xFF);

        await device.ReadAsync(512L * MiB, buffer, CancellationToken.None);

        Assert.IsTrue(buffer.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        Assert.AreEqual(0, device.AllocatedBytes, "a gigabyte device costs nothing until written");
    }

    [TestMethod]
    public async Task AWriteAcrossAChunkBoundaryReadsBack()
    {
        var device = new MemoryBlockDevice(4L * MiB);
        var data = new byte[3 * 4096];
        Random.Shared.NextBytes(data);

        await device.WriteAsync(MiB - 4096, data, forceUnitAccess: false, CancellationToken.None);
        var back = new byte[data.Length];
        await device.ReadAsync(MiB - 4096, back, CancellationToken.None);

        CollectionAssert.AreEqual(data, back);
        Assert.AreEqual(2L * MiB, device.AllocatedBytes);
    }

    [TestMethod]
    public async Task TrimReleasesWholeChunksAndZeroesTheEdges()
    {
        var device = new MemoryBlockDevice(4L * MiB);
        var data = new byte[4 * MiB];
        Random.Shared.NextBytes(data);
        await device.WriteAsync(0, data, forceUnitAccess: false, CancellationToken.None);

        await device.TrimAsync(MiB - 512, MiB + 1024, CancellationToken.None);

        var back = new byte[4 * MiB];
        await device.ReadAsync(0, back, CancellationToken.None);
        Assert.IsTrue(back.AsSpan(0, MiB - 512).SequenceEqual(data.AsSpan(0, MiB - 512)));
        Assert.IsTrue(back.AsSpan(MiB - 512, MiB + 1024).IndexOfAnyExcept((byte)0) < 0);
        Assert.IsTrue(back.AsSpan((2 * MiB) + 512).SequenceEqual(data.AsSpan((2 * MiB) + 512)));
        Assert.AreEqual(3L * MiB, device.AllocatedBytes, "the chunk wholly inside the trim is released");
        Assert.AreEqual(1, device.TrimCount);
        Assert.AreEqual(MiB + 1024, device.TrimmedBytes);
    }

    [TestMethod]
    [DataRow(4L * MiB, 512, DisplayName = "past the end")]
    [DataRow(100L, 512, DisplayName = "misaligned offset")]
    [DataRow(0L, 100, DisplayName = "misaligned length")]
    [DataRow(-512L, 512, DisplayName = "negative offset")]
    public async Task ABadRangeIsInvalidArgument(long offset, int length)
    {
        var device = new MemoryBlockDevice(4L * MiB);

        var failure = await Assert.ThrowsAsync<BlockDeviceException>(async () => await device.ReadAsync(offset, new byte[length], CancellationToken.None));

        Assert.AreEqual(BlockDeviceError.InvalidArgument, failure.Error);
    }

    [TestMethod]
    public async Task AReadOnlyDeviceRefusesWritesAndTrimsWithNotPermitted()
    {
        var device = new MemoryBlockDevice(MiB, blockSize: 4096, isReadOnly: true);

        var write = await Assert.ThrowsAsync<BlockDeviceException>(async () => await device.WriteAsync(0, new byte[4096], false, CancellationToken.None));
        var trim = await Assert.ThrowsAsync<BlockDeviceException>(async () => await device.TrimAsync(0, 4096, CancellationToken.None));

        Assert.AreEqual(BlockDeviceError.NotPermitted, write.Error);
        Assert.AreEqual(BlockDeviceError.NotPermitted, trim.Error);
        Assert.IsFalse(device.SupportsTrim);
    }

    [TestMethod]
    public void ASizeOrBlockSizeTheExportCannotAdvertiseIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryBlockDevice(MiB, blockSize: 1024));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryBlockDevice(MiB + 512, blockSize: 4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryBlockDevice(0));
    }
}
