using Microsoft.Extensions.Logging;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>A client that breaks the framing is disconnected alone, with the reason logged.</summary>
[TestClass]
public sealed class HostileClientTests
{
    [TestMethod]
    public async Task ABadRequestMagicDisconnectsThatClientOnly()
    {
        await using var export = TestExport.Start();
        await using var bystander = await export.OpenAsync();
        await using var attacker = await export.OpenAsync();
        await bystander.WriteAsync(0, new byte[4096]);

        await attacker.SendRawAsync(RawNbdClient.Request(Wire.CmdRead, 1, 0, 512, magic: 0x12345678));

        Assert.IsTrue(await attacker.WasClosedByServerAsync(), "the attacker is disconnected");
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Warning, "request magic 0x12345678 is not 0x25609513"), export.Log.Text);
        Assert.AreEqual(1, export.Server.Statistics.ProtocolViolations);
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        await bystander.WriteAsync(0, data, cookie: 2);
        CollectionAssert.AreEqual(data, await bystander.ReadAsync(0, data.Length, cookie: 3), "the other client is still served");
    }

    [TestMethod]
    public async Task RequestsBeforeABadMagicAreStillAnswered()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRawAsync([.. RawNbdClient.Request(Wire.CmdRead, 1, 0, 512), .. RawNbdClient.Request(Wire.CmdRead, 2, 0, 512, magic: 0)]);

        var reply = await client.ReadReplyAsync(512);
        Assert.AreEqual(1ul, reply.Cookie);
        Assert.AreEqual(0u, reply.Error);
        Assert.IsTrue(await client.WasClosedByServerAsync());
    }

    [TestMethod]
    public async Task ATruncatedRequestHeaderIsLoggedAsAViolation()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRawAsync(RawNbdClient.Request(Wire.CmdRead, 1, 0, 512)[..10]);
        client.ShutdownSend();

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Warning, "after 10 bytes of a 28-byte request header"), export.Log.Text);
        Assert.AreEqual(1, export.Server.Statistics.ProtocolViolations);
    }

    [TestMethod]
    [DataRow(8192, 3000, DisplayName = "a small write, read through the pipe")]
    [DataRow(1 << 20, 100_000, DisplayName = "a large write, read straight into its buffer")]
    public async Task ATruncatedWritePayloadIsLoggedAsAViolationAndNotWritten(int length, int sent)
    {
        var device = new MemoryBlockDevice(TestExport.DefaultSize);
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();

        await client.SendRawAsync(RawNbdClient.Request(Wire.CmdWrite, 1, 0, (uint)length, payload: new byte[length])[..(28 + sent)]);
        client.ShutdownSend();

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Warning, $"inside the {length}-byte payload of a write"), export.Log.Text);
        Assert.AreEqual(0, device.AllocatedBytes);
        Assert.AreEqual(1, export.Server.Statistics.ProtocolViolations);
    }

    [TestMethod]
    public async Task AClientThatClosesWithoutDisconnectIsNotAViolation()
    {
        await using var export = TestExport.Start();
        var client = await export.OpenAsync();
        await client.ReadAsync(0, 512);

        await client.DisposeAsync();

        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Debug, "without NBD_CMD_DISC"), export.Log.Text);
        Assert.AreEqual(0, export.Server.Statistics.ProtocolViolations);
    }

    [TestMethod]
    public async Task AClientThatStopsReadingRepliesDoesNotStallOthers()
    {
        await using var export = TestExport.Start();
        await using var bystander = await export.OpenAsync();
        await using var hog = await export.OpenAsync();

        // 64 MiB of read replies that the hog never reads: its socket buffer fills and its
        // connection stops, but only its own.
        var burst = Enumerable.Range(0, 64).SelectMany(i => RawNbdClient.Request(Wire.CmdRead, (ulong)i, (ulong)i << 20, 1 << 20)).ToArray();
        await hog.SendRawAsync(burst);

        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        await bystander.WriteAsync(0, data);
        CollectionAssert.AreEqual(data, await bystander.ReadAsync(0, data.Length));
    }
}
