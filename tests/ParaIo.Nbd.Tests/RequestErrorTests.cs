using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>
/// Requests the export refuses are answered with an NBD error, not a disconnect, and the
/// connection stays in step: the request after each refusal is served normally.
/// </summary>
[TestClass]
public sealed class RequestErrorTests
{
    private const ulong Size = TestExport.DefaultSize;

    [TestMethod]
    [DataRow(Size, 512u, DisplayName = "starting at the end")]
    [DataRow(Size - 512, 1024u, DisplayName = "running past the end")]
    [DataRow(ulong.MaxValue - 511, 512u, DisplayName = "offset + length overflows")]
    public async Task AnOutOfRangeReadIsEinvalAndTheConnectionStillWorks(ulong offset, uint length)
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdRead, cookie: 1, offset, length);
        var reply = await client.ReadReplyAsync(dataLength: (int)length);

        Assert.AreEqual(Wire.SimpleReplyMagic, reply.Magic);
        Assert.AreEqual(Wire.EINVAL, reply.Error);
        Assert.AreEqual(1ul, reply.Cookie);
        Assert.IsEmpty(reply.Data, "a failed read carries no data");
        await AssertStillServesAsync(client);
    }

    [TestMethod]
    public async Task AMisalignedReadIsEinval()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdRead, cookie: 1, offset: 100, length: 512);

        Assert.AreEqual(Wire.EINVAL, (await client.ReadReplyAsync(512)).Error);
        await AssertStillServesAsync(client);
    }

    [TestMethod]
    public async Task AReadLongerThanTheMaximumPayloadIsEinval()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdRead, cookie: 1, offset: 0, length: (32u << 20) + 512);

        Assert.AreEqual(Wire.EINVAL, (await client.ReadReplyAsync()).Error);
        await AssertStillServesAsync(client);
    }

    [TestMethod]
    public async Task AWriteLongerThanTheMaximumPayloadIsDrainedAndAnsweredEinval()
    {
        var device = new MemoryBlockDevice(TestExport.DefaultSize);
        await using var export = TestExport.Start(device);
        await using var client = await export.OpenAsync();
        var payload = new byte[(32 << 20) + 4096];
        Array.Fill(payload, (byte)0xAB);

        await client.SendRequestAsync(Wire.CmdWrite, cookie: 1, offset: 0, length: (uint)payload.Length, payload: payload);

        Assert.AreEqual(Wire.EINVAL, (await client.ReadReplyAsync()).Error);
        Assert.AreEqual(0, device.AllocatedBytes, "nothing of the refused write reached the device");
        await AssertStillServesAsync(client);
    }

    [TestMethod]
    public async Task AWritePastTheEndIsEnospcAndItsPayloadIsConsumed()
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdWrite, cookie: 1, offset: Size - 4096, length: 8192, payload: new byte[8192]);

        Assert.AreEqual(Wire.ENOSPC, (await client.ReadReplyAsync()).Error);
        await AssertStillServesAsync(client);
    }

    [TestMethod]
    [DataRow(Wire.CmdWrite)]
    [DataRow(Wire.CmdTrim)]
    [DataRow(Wire.CmdWriteZeroes)]
    public async Task ChangingAReadOnlyExportIsEperm(ushort command)
    {
        await using var export = TestExport.Start(new MemoryBlockDevice(TestExport.DefaultSize, isReadOnly: true));
        await using var client = await export.OpenAsync();
        Assert.AreNotEqual(0, client.TransmissionFlags & Wire.FlagReadOnly, "the export says it is read-only");

        var payload = command == Wire.CmdWrite ? new byte[4096] : null;
        await client.SendRequestAsync(command, cookie: 9, offset: 0, length: 4096, payload: payload);
        var reply = await client.ReadReplyAsync();

        Assert.AreEqual(Wire.EPERM, reply.Error);
        Assert.AreEqual(9ul, reply.Cookie);
        await AssertStillServesAsync(client, write: false);
    }

    [TestMethod]
    [DataRow(Wire.CmdCache)]
    [DataRow(Wire.CmdBlockStatus)]
    [DataRow((ushort)99)]
    public async Task AnUnsupportedCommandIsEinval(ushort command)
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(command, cookie: 1, offset: 0, length: 4096);

        Assert.AreEqual(Wire.EINVAL, (await client.ReadReplyAsync()).Error);
        await AssertStillServesAsync(client);
    }

    [TestMethod]
    [DataRow(Wire.CmdRead, Wire.CmdFlagDf)]
    [DataRow(Wire.CmdWriteZeroes, Wire.CmdFlagFastZero)]
    [DataRow(Wire.CmdRead, (ushort)0x8000)]
    public async Task ACommandFlagThatWasNotOfferedIsEinval(ushort command, ushort flag)
    {
        await using var export = TestExport.Start();
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(command, cookie: 1, offset: 0, length: 4096, flags: flag);

        Assert.AreEqual(Wire.EINVAL, (await client.ReadReplyAsync(4096)).Error);
        await AssertStillServesAsync(client);
    }

    [TestMethod]
    [DataRow(BlockDeviceError.NoSpace, Wire.ENOSPC)]
    [DataRow(BlockDeviceError.Io, Wire.EIO)]
    [DataRow(BlockDeviceError.NotPermitted, Wire.EPERM)]
    [DataRow(BlockDeviceError.InvalidArgument, Wire.EINVAL)]
    public async Task ADeviceErrorIsSentToTheClientAsItsNbdError(BlockDeviceError error, uint expected)
    {
        await using var export = TestExport.Start(new FailingBlockDevice(new BlockDeviceException(error, "injected")));
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdWrite, cookie: 1, offset: 0, length: 512, payload: new byte[512]);
        await client.SendRequestAsync(Wire.CmdFlush, cookie: 2, offset: 0, length: 0);

        Assert.AreEqual(expected, (await client.ReadReplyAsync()).Error);
        Assert.AreEqual(expected, (await client.ReadReplyAsync()).Error, "also when the device throws rather than returning a faulted task");
        await AssertStillServesAsync(client, write: false);
    }

    [TestMethod]
    public async Task AnUnexpectedDeviceExceptionIsEioAndLogged()
    {
        await using var export = TestExport.Start(new FailingBlockDevice(new InvalidOperationException("the disk fell off")));
        await using var client = await export.OpenAsync();

        await client.SendRequestAsync(Wire.CmdWrite, cookie: 1, offset: 0, length: 512, payload: new byte[512]);

        Assert.AreEqual(Wire.EIO, (await client.ReadReplyAsync()).Error);
        Assert.Contains("answered EIO", export.Log.Text);
        await AssertStillServesAsync(client, write: false);
    }

    /// <summary>The next request is answered normally, so the refusal left the stream in step.</summary>
    private static async Task AssertStillServesAsync(RawNbdClient client, bool write = true)
    {
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        if (write)
        {
            await client.WriteAsync(8192, data, cookie: 1000);
            CollectionAssert.AreEqual(data, await client.ReadAsync(8192, data.Length, cookie: 1001));
        }
        else
        {
            Assert.HasCount(data.Length, await client.ReadAsync(8192, data.Length, cookie: 1001));
        }
    }
}
