using System.Globalization;

namespace ParaIo.Store.Tests;

/// <summary>Several requests in flight on one connection, matched to their replies by req_id.</summary>
[TestClass]
public sealed class PipelinedRequestTests
{
    [TestMethod]
    public async Task ManyConcurrentRequestsOnOneClientEachGetTheirOwnReply()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => client.WriteAsync($"/p/{i}", $"value-{i}", StoreFixture.Deadline())));
        var values = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => client.ReadStringAsync($"/p/{i}", StoreFixture.Deadline())));
        var missing = Enumerable.Range(0, 50).Select(i => client.TryReadStringAsync($"/absent/{i}", StoreFixture.Deadline()));

        for (var i = 0; i < values.Length; i++)
        {
            Assert.AreEqual($"value-{i}", values[i]);
        }

        Assert.IsTrue((await Task.WhenAll(missing)).All(v => v is null));
        Assert.HasCount(500, await client.DirectoryAsync("/p", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task RepliesCarryTheRequestsReqIdAndTxIdInOrder()
    {
        await using var store = new StoreFixture();
        store.Tree.Write(0, "/a", "alpha");
        store.Tree.Write(0, "/b", "beta");
        using var raw = await store.ConnectRawAsync();

        // Three requests in one write; req_ids chosen by the client, not sequential.
        await raw.SendAsync((byte[])[
            .. RawFrames.Frame(2, 0xDEAD_BEEF, 0, RawFrames.Strings("/a")),
            .. RawFrames.Frame(2, 7, 0, RawFrames.Strings("/b")),
            .. RawFrames.Frame(6, 3, 0, RawFrames.Strings(string.Empty))]);

        var first = await RawFrames.ReceiveFrameAsync(raw);
        var second = await RawFrames.ReceiveFrameAsync(raw);
        var third = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual((2u, 0xDEAD_BEEFu), (first!.Value.Type, first.Value.RequestId));
        CollectionAssert.AreEqual("alpha"u8.ToArray(), first.Value.Payload, "a READ reply is the raw value, no terminator");
        Assert.AreEqual((2u, 7u), (second!.Value.Type, second.Value.RequestId));
        Assert.AreEqual((6u, 3u), (third!.Value.Type, third.Value.RequestId));
        var transaction = uint.Parse(System.Text.Encoding.ASCII.GetString(third.Value.Payload).TrimEnd('\0'), CultureInfo.InvariantCulture);

        await raw.SendAsync(RawFrames.Frame(11, 9, transaction, [.. RawFrames.Strings("/c"), .. "in tx"u8]));
        var write = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual((11u, 9u, transaction), (write!.Value.Type, write.Value.RequestId, write.Value.TransactionId));
        CollectionAssert.AreEqual(RawFrames.Strings("OK"), write.Value.Payload);
    }

    [TestMethod]
    public async Task AFrameDribbledOneByteAtATimeIsReassembled()
    {
        await using var store = new StoreFixture();
        store.Tree.Write(0, "/slow", "patience");
        using var raw = await store.ConnectRawAsync();
        var frame = RawFrames.Frame(2, 42, 0, RawFrames.Strings("/slow"));

        foreach (var b in frame)
        {
            await raw.SendAsync(new[] { b });
            await Task.Delay(1);
        }

        var reply = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual(42u, reply!.Value.RequestId);
        CollectionAssert.AreEqual("patience"u8.ToArray(), reply.Value.Payload);
    }

    [TestMethod]
    public async Task ErrorsAnswerTheErrnoNameForTheRightRequest()
    {
        await using var store = new StoreFixture();
        using var raw = await store.ConnectRawAsync();

        await raw.SendAsync((byte[])[
            .. RawFrames.Frame(2, 1, 0, RawFrames.Strings("/missing")),
            .. RawFrames.Frame(13, 2, 0, RawFrames.Strings("/")),
            .. RawFrames.Frame(11, 3, 0, [.. RawFrames.Strings("/big"), .. new byte[5000]]),
            .. RawFrames.Frame(7, 4, 12345, RawFrames.Strings("T"))]);

        foreach (var (id, errno) in new[] { (1u, "ENOENT"), (2u, "EINVAL"), (3u, "E2BIG"), (4u, "ENOENT") })
        {
            var reply = await RawFrames.ReceiveFrameAsync(raw);
            Assert.AreEqual((16u, id), (reply!.Value.Type, reply.Value.RequestId));
            CollectionAssert.AreEqual(RawFrames.Strings(errno), reply.Value.Payload, errno);
        }

        // Errors are answers, not faults: the connection still serves.
        await raw.SendAsync(RawFrames.Frame(12, 5, 0, RawFrames.Strings("/made")));
        var ok = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual((12u, 5u), (ok!.Value.Type, ok.Value.RequestId));
        CollectionAssert.AreEqual(RawFrames.Strings("OK"), ok.Value.Payload);
    }
}
