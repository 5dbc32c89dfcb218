using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>Requests that succeed reach the device and come back right.</summary>
[TestClass]
public sealed class TransmissionTests
{
    [TestMethod]
    public async Task AWriteReadsBackAndRepliesCarryTheClientsCookie()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();
        var data = RandomBytes(3 * 4096);

        await client.WriteAsync(offset: 1 << 20, data, cookie: 0xDEADBEEF_00000001);
        var back = await client.ReadAsync(offset: 1 << 20, data.Length, cookie: 0xFFFFFFFF_FFFFFFFF);

        CollectionAssert.AreEqual(data, back);
    }

    [TestMethod]
    public async Task FlushReachesTheDevice()
    {
        var device = new MemoryBlockDevice(TestExport.DefaultSize);
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdFlush, cookie: 3, offset: 0, length: 0);
        var reply = await client.ReadReplyAsync();

        Assert.AreEqual(0u, reply.Error);
        Assert.AreEqual(3ul, reply.Cookie);
        Assert.AreEqual(1, device.FlushCount);
    }

    [TestMethod]
    public async Task TrimReachesTheDeviceAndTheRangeReadsAsZeroes()
    {
        var device = new MemoryBlockDevice(TestExport.DefaultSize);
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();
        await client.WriteAsync(0, RandomBytes(2 << 20));

        await client.SendRequestAsync(Wire.CmdTrim, cookie: 4, offset: 4096, length: (1 << 20) + 8192);
        var reply = await client.ReadReplyAsync();

        Assert.AreEqual(0u, reply.Error);
        Assert.AreEqual(1, device.TrimCount);
        Assert.AreEqual((1 << 20) + 8192, device.TrimmedBytes);
        var back = await client.ReadAsync(4096, (1 << 20) + 8192);
        Assert.IsTrue(back.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a trimmed MemoryBlockDevice range reads as zeroes");
    }

    [TestMethod]
    public async Task AMisalignedTrimIsRoundedInwardsToWholeBlocks()
    {
        var device = new MemoryBlockDevice(TestExport.DefaultSize);
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdTrim, cookie: 4, offset: 100, length: 2000);
        var reply = await client.ReadReplyAsync();

        Assert.AreEqual(0u, reply.Error);
        Assert.AreEqual(1536, device.TrimmedBytes, "512..2048 holds the whole blocks inside 100..2100");
    }

    [TestMethod]
    public async Task WriteZeroesZeroesTheRange()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();
        await client.WriteAsync(0, RandomBytes(3 << 20));

        await client.SendRequestAsync(Wire.CmdWriteZeroes, cookie: 6, offset: 512, length: (2 << 20) + 512, flags: Wire.CmdFlagNoHole);
        var reply = await client.ReadReplyAsync();

        Assert.AreEqual(0u, reply.Error);
        var back = await client.ReadAsync(0, 3 << 20);
        Assert.IsTrue(back.AsSpan(512, (2 << 20) + 512).IndexOfAnyExcept((byte)0) < 0);
        Assert.IsTrue(back.AsSpan(0, 512).IndexOfAnyExcept((byte)0) >= 0, "bytes before the range are kept");
        Assert.IsTrue(back.AsSpan((2 << 20) + 1024).IndexOfAnyExcept((byte)0) >= 0, "bytes after the range are kept");
    }

    [TestMethod]
    public async Task ForceUnitAccessReachesTheDevice()
    {
        var device = new MemoryBlockDevice(TestExport.DefaultSize);
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();

        await client.WriteAsync(0, RandomBytes(4096), flags: Wire.CmdFlagFua);
        await client.WriteAsync(4096, RandomBytes(4096));

        Assert.AreEqual(1, device.ForceUnitAccessWriteCount);
    }

    [TestMethod]
    public async Task AZeroLengthReadOrWriteSucceedsWithoutData()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdWrite, cookie: 1, offset: 0, length: 0);
        await client.SendRequestAsync(Wire.CmdRead, cookie: 2, offset: 0, length: 0);

        Assert.AreEqual(0u, (await client.ReadReplyAsync()).Error);
        Assert.AreEqual(0u, (await client.ReadReplyAsync()).Error);
        CollectionAssert.AreEqual(new byte[512], await client.ReadAsync(0, 512, cookie: 3));
    }

    [TestMethod]
    public async Task DisconnectAnswersWhatCameBeforeItAndCloses()
    {
        var device = new MemoryBlockDevice(TestExport.DefaultSize);
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();
        var data = RandomBytes(64 * 1024);

        // One burst: a write, then the disconnect right behind it.
        await client.SendRawAsync([.. RawNbdClient.Request(Wire.CmdWrite, 11, 0, (uint)data.Length, payload: data), .. RawNbdClient.Request(Wire.CmdDisc, 12, 0, 0)]);

        var reply = await client.ReadReplyAsync();
        Assert.AreEqual(11ul, reply.Cookie);
        Assert.AreEqual(0u, reply.Error);
        Assert.IsTrue(await client.WasClosedByServerAsync());
        var back = new byte[data.Length];
        await device.ReadAsync(0, back, CancellationToken.None);
        CollectionAssert.AreEqual(data, back);
        Assert.AreEqual(0, export.Server.Statistics.ProtocolViolations);
    }

    [TestMethod]
    public async Task ALargeReadOfTheMaximumPayloadComesBackWhole()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();
        var data = RandomBytes(NbdServerOptions.DefaultMaxPayloadLength);

        await client.WriteAsync(0, data);
        var back = await client.ReadAsync(0, data.Length);

        Assert.IsTrue(data.AsSpan().SequenceEqual(back));
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
