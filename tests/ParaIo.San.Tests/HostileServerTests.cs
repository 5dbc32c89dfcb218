using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.San;

namespace ParaIo.San.Tests;

/// <summary>
/// A server that breaks the protocol fails the connection with a reason, and the LUN's requests
/// with <see cref="IOException"/> carrying it; the same fake server, behaving, serves I/O — so
/// these tests catch the client failing for the wrong reason.
/// </summary>
[TestClass]
public sealed class HostileServerTests
{
    private static readonly NbdLunOptions Short = new()
    {
        ReconnectDeadline = TimeSpan.FromMilliseconds(500),
        Client = new NbdClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300), ConnectTimeout = TimeSpan.FromMilliseconds(300) },
    };

    [TestMethod]
    public async Task TheControlServerServesIo()
    {
        await using var server = new FakeNbdServer(FakeBehavior.Correct);
        await using var lun = await NbdLun.ConnectAsync(server.Uri, Short, CancellationToken.None).Within();

        Assert.IsTrue(lun.Export.NegotiatedWithGo);
        await Patterns.RunAsync(lun, FakeNbdServer.Size, seed: 1, concurrency: 8, rounds: 2, maxBytes: 64 << 10);
    }

    [TestMethod]
    public async Task AServerWithoutGoIsReachedWithExportName()
    {
        await using var server = new FakeNbdServer(FakeBehavior.NoGo);
        await using var lun = await NbdLun.ConnectAsync(server.Uri, Short, CancellationToken.None).Within();

        Assert.IsFalse(lun.Export.NegotiatedWithGo);
        Assert.AreEqual(FakeNbdServer.Size, lun.Size);
        Assert.AreEqual(NbdWire32Mib, lun.Export.MaxPayload);
        await Patterns.RunAsync(lun, FakeNbdServer.Size, seed: 2, concurrency: 8, rounds: 2, maxBytes: 64 << 10);
    }

    [TestMethod]
    public async Task SomethingThatIsNotAnNbdServerIsRefusedWithAReason()
    {
        await using var server = new FakeNbdServer(FakeBehavior.GarbageGreeting);

        var failure = await Assert.ThrowsExactlyAsync<NbdConnectionException>(() => NbdLun.ConnectAsync(server.Uri, Short, CancellationToken.None).Within());

        StringAssert.Contains(failure.Message, "not an NBD server");
    }

    [TestMethod]
    public async Task AServerThatNeverGreetsTimesOut()
    {
        await using var server = new FakeNbdServer(FakeBehavior.Silent);

        var failure = await Assert.ThrowsExactlyAsync<NbdConnectionException>(() => NbdLun.ConnectAsync(server.Uri, Short, CancellationToken.None).Within());

        StringAssert.Contains(failure.Message, "took longer than 0.3 s");
    }

    [TestMethod]
    [DataRow(FakeBehavior.GarbageReply, "not the simple reply magic")]
    [DataRow(FakeBehavior.UnknownCookie, "which is not in flight")]
    [DataRow(FakeBehavior.StructuredReply, "structured reply, which was never negotiated")]
    [DataRow(FakeBehavior.NeverAnswers, "did not answer READ of 4096 bytes at 0 within 0.3 s")]
    public async Task ABrokenReplyFailsTheLunsRequestsWithTheReason(FakeBehavior behavior, string reason)
    {
        await using var server = new FakeNbdServer(behavior);
        await using var lun = await NbdLun.ConnectAsync(server.Uri, Short, CancellationToken.None).Within();

        var failures = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Assert.ThrowsExactlyAsync<IOException>(() => lun.ReadAsync(0, new byte[4096]).AsTask().Within())));

        foreach (var failure in failures)
        {
            StringAssert.Contains(failure.Message, "did not come back within 0.5 s");
            StringAssert.Contains(failure.Message, reason);
        }

        Assert.IsTrue(server.Accepted >= 2, "the LUN tried again on a new connection");
    }

    [TestMethod]
    public async Task AnErrorReplyIsAnIoErrorAtOnceAndTheConnectionStays()
    {
        await using var server = new FakeNbdServer(FakeBehavior.EioReply);
        await using var lun = await NbdLun.ConnectAsync(server.Uri, Short, CancellationToken.None).Within();

        var failure = await Assert.ThrowsExactlyAsync<NbdServerErrorException>(() => lun.WriteAsync(4096, new byte[512]).AsTask().Within());

        Assert.AreEqual(5, failure.Error);
        StringAssert.Contains(failure.Message, "WRITE of 512 bytes at 4096 with EIO");
        Assert.IsTrue(lun.IsConnected);
        Assert.AreEqual(0, lun.RetriedRequests);
        Assert.AreEqual(1, server.Accepted);
    }

    [TestMethod]
    public async Task ARequestOnAFailedConnectionIsFaultedAtOnce()
    {
        await using var server = new FakeNbdServer(FakeBehavior.HangsUp);
        await using var client = await NbdClient.ConnectAsync(server.Uri, Short.Client, CancellationToken.None).Within();
        await Assert.ThrowsExactlyAsync<NbdConnectionException>(() => client.ReadAsync(0, new byte[4096]).AsTask().Within());
        await client.Closed.Within();

        // Its status says it failed, not only GetResult: a caller that finds a task completed
        // successfully takes it as done and never looks for an exception.
        var refused = client.ReadAsync(0, new byte[4096]);

        Assert.IsTrue(refused.IsFaulted);
        Assert.IsFalse(refused.IsCompletedSuccessfully);
        await Assert.ThrowsExactlyAsync<NbdConnectionException>(() => refused.AsTask());
    }

    [TestMethod]
    public async Task AnErrorReplyFaultsTheRequestsTask()
    {
        await using var server = new FakeNbdServer(FakeBehavior.EioReply);
        await using var client = await NbdClient.ConnectAsync(server.Uri, Short.Client, CancellationToken.None).Within();

        var io = client.WriteAsync(0, new byte[512]);

        Assert.IsTrue(await Waits.UntilAsync(() => io.IsCompleted), "the server answers");
        Assert.IsTrue(io.IsFaulted);
        var failure = await Assert.ThrowsExactlyAsync<NbdServerErrorException>(() => io.AsTask());
        Assert.AreEqual(5, failure.Error);
    }

    [TestMethod]
    public async Task RequestsMadeWhileTheConnectionDiesAreRetriedUntilTheDeadline()
    {
        // Every connection dies at its first request, so requests keep arriving after the client
        // failed and before the LUN noticed: the client refuses them at once, and the LUN must
        // still take that for a lost connection and retry them, not hand the refusal on.
        await using var server = new FakeNbdServer(FakeBehavior.HangsUp);
        var options = new NbdLunOptions
        {
            ReconnectDeadline = Short.ReconnectDeadline,
            Client = new NbdClientOptions { RequestTimeout = Short.Client.RequestTimeout, ConnectTimeout = Short.Client.ConnectTimeout, MaxInFlight = 4096 },
        };
        await using var lun = await NbdLun.ConnectAsync(server.Uri, options, CancellationToken.None).Within();
        var buffer = new byte[4096];
        var requests = await Task.Run(() =>
        {
            var made = new List<Task>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMilliseconds(200) && made.Count < 100_000)
            {
                made.Add(lun.ReadAsync(0, buffer).AsTask());
                Thread.SpinWait(500);
            }

            return made;
        });

        foreach (var request in requests)
        {
            var failure = await Assert.ThrowsExactlyAsync<IOException>(() => request.Within());
            StringAssert.Contains(failure.Message, "did not come back within 0.5 s");
        }

        Assert.IsTrue(server.Accepted >= 2, "the LUN tried again on a new connection");
    }

    private const int NbdWire32Mib = 32 << 20;
}
