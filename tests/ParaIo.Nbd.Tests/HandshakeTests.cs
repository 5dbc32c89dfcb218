using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>The fixed newstyle handshake, frame by frame.</summary>
[TestClass]
public sealed class HandshakeTests
{
    [TestMethod]
    public async Task TheGreetingOffersFixedNewstyleAndNoZeroes()
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.ConnectAsync(export.SocketPath);

        Assert.AreEqual(Wire.FixedNewstyle | Wire.NoZeroes, await client.ReadGreetingAsync());
    }

    [TestMethod]
    public async Task ListReturnsTheExportByNameThenAcknowledges()
    {
        await using var export = TestExport.Start(options: socket => new NbdServerOptions { UnixSocketPath = socket, ExportName = "disk0", Description = "ParaIo disk 0" });
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        await client.SendOptionAsync(Wire.OptList);
        var server = await client.ReadOptionReplyAsync();
        var ack = await client.ReadOptionReplyAsync();

        Assert.AreEqual(Wire.OptionReplyMagic, server.Magic);
        Assert.AreEqual(Wire.OptList, server.Option);
        Assert.AreEqual(Wire.RepServer, server.Type);
        var nameLength = (int)BinaryPrimitives.ReadUInt32BigEndian(server.Data);
        Assert.AreEqual("disk0", Encoding.UTF8.GetString(server.Data, 4, nameLength));
        Assert.AreEqual("ParaIo disk 0", Encoding.UTF8.GetString(server.Data, 4 + nameLength, server.Data.Length - 4 - nameLength));
        Assert.AreEqual(Wire.RepAck, ack.Type);
        Assert.IsEmpty(ack.Data);
    }

    [TestMethod]
    public async Task ListWithDataIsInvalidAndHagglingGoesOn()
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        await client.SendOptionAsync(Wire.OptList, [1, 2, 3]);
        Assert.AreEqual(Wire.RepErrInvalid, (await client.ReadOptionReplyAsync()).Type);

        await client.SendOptionAsync(Wire.OptList);
        Assert.AreEqual(Wire.RepServer, (await client.ReadOptionReplyAsync()).Type);
    }

    [TestMethod]
    [DataRow(0x1234u)]
    [DataRow(Wire.OptStructuredReply)]
    [DataRow(Wire.OptStartTls)]
    [DataRow(10u)]
    public async Task AnUnsupportedOptionIsAnsweredErrUnsupAndHagglingGoesOn(uint option)
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        // Data the server does not understand must still be consumed, or the next option is garbage.
        await client.SendOptionAsync(option, [9, 9, 9, 9, 9]);
        var refusal = await client.ReadOptionReplyAsync();

        Assert.AreEqual(option, refusal.Option);
        Assert.AreEqual(Wire.RepErrUnsup, refusal.Type);
        await client.SendOptionAsync(Wire.OptList);
        Assert.AreEqual(Wire.RepServer, (await client.ReadOptionReplyAsync()).Type);
    }

    [TestMethod]
    public async Task InfoReportsSizeFlagsBlockSizesNameAndDescriptionWithoutLeavingTheHandshake()
    {
        await using var export = TestExport.Start(options: socket => new NbdServerOptions { UnixSocketPath = socket, ExportName = "disk0", Description = "scratch" });
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        await client.SendOptionAsync(Wire.OptInfo, RawNbdClient.GoData("disk0", Wire.InfoBlockSize, Wire.InfoName, Wire.InfoDescription));
        var infos = new Dictionary<ushort, byte[]>();
        OptionReply reply;
        while ((reply = await client.ReadOptionReplyAsync()).Type == Wire.RepInfo)
        {
            infos.Add(BinaryPrimitives.ReadUInt16BigEndian(reply.Data), reply.Data[2..]);
        }

        Assert.AreEqual(Wire.RepAck, reply.Type);
        var exportInfo = infos[Wire.InfoExport];
        Assert.HasCount(10, exportInfo);
        Assert.AreEqual((ulong)TestExport.DefaultSize, BinaryPrimitives.ReadUInt64BigEndian(exportInfo));
        var flags = BinaryPrimitives.ReadUInt16BigEndian(exportInfo.AsSpan(8));
        Assert.AreEqual(Wire.FlagHasFlags | Wire.FlagSendFlush | Wire.FlagSendFua | Wire.FlagSendTrim | Wire.FlagSendWriteZeroes | Wire.FlagCanMultiConn, flags);
        var blockSizes = infos[Wire.InfoBlockSize];
        Assert.AreEqual(512u, BinaryPrimitives.ReadUInt32BigEndian(blockSizes));
        Assert.AreEqual(4096u, BinaryPrimitives.ReadUInt32BigEndian(blockSizes.AsSpan(4)));
        Assert.AreEqual(32u * 1024 * 1024, BinaryPrimitives.ReadUInt32BigEndian(blockSizes.AsSpan(8)));
        Assert.AreEqual("disk0", Encoding.UTF8.GetString(infos[Wire.InfoName]));
        Assert.AreEqual("scratch", Encoding.UTF8.GetString(infos[Wire.InfoDescription]));

        // Still haggling: another option is answered.
        await client.SendOptionAsync(Wire.OptList);
        Assert.AreEqual(Wire.RepServer, (await client.ReadOptionReplyAsync()).Type);
    }

    [TestMethod]
    public async Task GoForAnUnknownExportIsErrUnknownAndTheClientMayTryAgain()
    {
        await using var export = TestExport.Start(options: socket => new NbdServerOptions { UnixSocketPath = socket, ExportName = "disk0" });
        var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);
        await using (client)
        {
            await client.SendOptionAsync(Wire.OptGo, RawNbdClient.GoData("disk7"));
            var refusal = await client.ReadOptionReplyAsync();
            Assert.AreEqual(Wire.RepErrUnknown, refusal.Type);
            Assert.Contains("disk7", refusal.Message);

            // The empty name is the default export.
            await client.SendOptionAsync(Wire.OptGo, RawNbdClient.GoData(""));
            Assert.AreEqual(Wire.RepInfo, (await client.ReadOptionReplyAsync()).Type);
            Assert.AreEqual(Wire.RepInfo, (await client.ReadOptionReplyAsync()).Type);
            Assert.AreEqual(Wire.RepAck, (await client.ReadOptionReplyAsync()).Type);

            // Transmission: a read is answered.
            await client.SendRequestAsync(Wire.CmdRead, cookie: 5, offset: 0, length: 512);
            var read = await client.ReadReplyAsync(512);
            Assert.AreEqual(0u, read.Error);
            Assert.AreEqual(5ul, read.Cookie);
        }
    }

    [TestMethod]
    public async Task AGoWhoseNameOverrunsTheOptionIsInvalid()
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);
        var data = RawNbdClient.GoData("abc");
        BinaryPrimitives.WriteUInt32BigEndian(data, 1000);

        await client.SendOptionAsync(Wire.OptGo, data);

        Assert.AreEqual(Wire.RepErrInvalid, (await client.ReadOptionReplyAsync()).Type);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task ExportNameEntersTransmissionWithZeroPaddingUnlessNoZeroesWasAgreed(bool noZeroes)
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath, noZeroes ? (uint)(Wire.FixedNewstyle | Wire.NoZeroes) : Wire.FixedNewstyle);

        await client.SendOptionAsync(Wire.OptExportName, []);
        var answer = await client.ReadExactlyAsync(noZeroes ? 10 : 134);

        Assert.AreEqual((ulong)TestExport.DefaultSize, BinaryPrimitives.ReadUInt64BigEndian(answer));
        Assert.AreNotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(answer.AsSpan(8)) & Wire.FlagHasFlags);
        Assert.IsTrue(answer.AsSpan(10).IndexOfAnyExcept((byte)0) < 0, "the padding is zeroes");

        // The next bytes are the first reply, not more padding.
        await client.SendRequestAsync(Wire.CmdRead, cookie: 77, offset: 4096, length: 4096);
        var reply = await client.ReadReplyAsync(4096);
        Assert.AreEqual(Wire.SimpleReplyMagic, reply.Magic);
        Assert.AreEqual(77ul, reply.Cookie);
    }

    [TestMethod]
    public async Task ExportNameForAnUnknownExportHangsUp()
    {
        await using var export = TestExport.Start(options: socket => new NbdServerOptions { UnixSocketPath = socket, ExportName = "disk0" });
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        await client.SendOptionAsync(Wire.OptExportName, Encoding.UTF8.GetBytes("nope"));

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Information, "unknown export 'nope'"), export.Log.Text);
    }

    [TestMethod]
    public async Task AbortIsAcknowledgedAndTheServerCloses()
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        await client.SendOptionAsync(Wire.OptAbort);

        Assert.AreEqual(Wire.RepAck, (await client.ReadOptionReplyAsync()).Type);
        Assert.IsTrue(await client.WasClosedByServerAsync());
    }

    [TestMethod]
    public async Task UnknownClientFlagsAreAProtocolViolation()
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath, clientFlags: Wire.FixedNewstyle | 0x100u);

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Warning, "unknown client flags 0x00000101"), export.Log.Text);
        Assert.AreEqual(1, export.Server.Statistics.ProtocolViolations);
    }

    [TestMethod]
    public async Task AnOptionWithoutIHaveOptIsAProtocolViolation()
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        await client.SendOptionAsync(Wire.OptList, magic: 0x0102030405060708);

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Warning, "option magic 0x0102030405060708"), export.Log.Text);
    }

    [TestMethod]
    public async Task AnOptionLongerThanAnyValidOneIsAProtocolViolation()
    {
        await using var export = TestExport.Start();
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        // Only the header: the server must not wait for (or buffer) a megabyte of option data.
        var header = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(header, Wire.IHaveOpt);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), Wire.OptGo);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), 1 << 20);
        await client.SendRawAsync(header);

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Warning, "1048576 bytes"), export.Log.Text);
    }

    [TestMethod]
    public async Task AClientThatNeverChoosesAnExportIsClosedAtTheHandshakeTimeout()
    {
        await using var export = TestExport.Start(options: socket => new NbdServerOptions { UnixSocketPath = socket, HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        await using var client = await RawNbdClient.StartHagglingAsync(export.SocketPath);

        Assert.IsTrue(await client.WasClosedByServerAsync());
        Assert.IsTrue(await export.Log.WaitForAsync(LogLevel.Information, "no export chosen"), export.Log.Text);
    }
}
