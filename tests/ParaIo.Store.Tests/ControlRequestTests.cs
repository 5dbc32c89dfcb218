using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using ParaIo.Store.Protocol;
using ParaIo.Store.Server;

namespace ParaIo.Store.Tests;

/// <summary>
/// CONTROL (Xen's XS_CONTROL): domain 0's management commands, forwarded to the host's handler,
/// answered with its text, refused to guests, inside transactions and when there is no handler.
/// </summary>
[TestClass]
public sealed class ControlRequestTests
{
    [TestMethod]
    public async Task Dom0GetsTheHandlersAnswerToItsArguments()
    {
        var seen = new ConcurrentQueue<(StoreConnectionInfo Connection, string[] Arguments)>();
        await using var store = new StoreFixture(controlHandler: (connection, arguments, _) =>
        {
            seen.Enqueue((connection, [.. arguments]));
            return ValueTask.FromResult($"{{\"ok\":true,\"result\":\"{string.Join('|', arguments)}\"}}");
        });
        var dom0 = await store.ConnectDom0Async();

        var answer = await dom0.ControlAsync(["domain-create", "web", "loop", "loop:1"], StoreFixture.Deadline());

        Assert.AreEqual("{\"ok\":true,\"result\":\"domain-create|web|loop|loop:1\"}", answer);
        Assert.IsTrue(seen.TryDequeue(out var call));
        CollectionAssert.AreEqual(new[] { "domain-create", "web", "loop", "loop:1" }, call.Arguments);
        Assert.AreEqual((0, "dom0"), (call.Connection.Domain, call.Connection.Name));
    }

    [TestMethod]
    public async Task AGuestIsRefusedEACCESAndKeepsItsConnection()
    {
        var calls = 0;
        await using var store = new StoreFixture(controlHandler: (_, _, _) =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult("{}");
        });
        store.IntroduceDomain(4);
        var guest = await store.ConnectGuestAsync(4);

        var refused = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.ControlAsync(["domain-destroy", "web"], StoreFixture.Deadline()));

        Assert.AreEqual((StoreError.PermissionDenied, "EACCES"), (refused.Error, refused.ErrnoName));
        Assert.IsNull(refused.Path, "a command name is not a path");
        Assert.AreEqual(0, Volatile.Read(ref calls), "the handler never hears a guest");
        await guest.WriteAsync("/local/domain/4/still", "here", StoreFixture.Deadline());
        Assert.AreEqual("here", await guest.ReadStringAsync("/local/domain/4/still", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task WithoutAHandlerControlIsEINVAL()
    {
        await using var store = new StoreFixture();
        var dom0 = await store.ConnectDom0Async();

        var refused = await Assert.ThrowsExactlyAsync<StoreException>(() => dom0.ControlAsync(["domain-list"], StoreFixture.Deadline()));

        Assert.AreEqual(StoreError.InvalidArgument, refused.Error);
        await dom0.MkdirAsync("/fine", StoreFixture.Deadline());
    }

    [TestMethod]
    public async Task AHandlerThatThrowsIsEIOLoggedAndTheConnectionCarriesOn()
    {
        await using var store = new StoreFixture(controlHandler: (_, arguments, _) =>
            arguments[0] == "explode" ? throw new InvalidOperationException("the domain table is on fire") : ValueTask.FromResult("fine"));
        var dom0 = await store.ConnectDom0Async();

        var failed = await Assert.ThrowsExactlyAsync<StoreException>(() => dom0.ControlAsync(["explode"], StoreFixture.Deadline()));

        Assert.AreEqual((StoreError.IoError, "EIO"), (failed.Error, failed.ErrnoName));
        Assert.IsTrue(store.Log.Contains(LogLevel.Warning, "'explode'"), store.Log.Dump());
        Assert.IsTrue(store.Log.Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains("control handler failed", StringComparison.Ordinal)), store.Log.Dump());
        Assert.AreEqual("fine", await dom0.ControlAsync(["domain-list"], StoreFixture.Deadline()));
        await dom0.WriteAsync("/after", "yes", StoreFixture.Deadline());
        Assert.AreEqual(1, store.Server.Connections.Count);
    }

    [TestMethod]
    public async Task AHandlerThatFailsAsynchronouslyIsEIOToo()
    {
        await using var store = new StoreFixture(controlHandler: async (_, _, cancellationToken) =>
        {
            await Task.Yield();
            throw new IOException("disk gone");
        });
        var dom0 = await store.ConnectDom0Async();

        var failed = await Assert.ThrowsExactlyAsync<StoreException>(() => dom0.ControlAsync(["domain-create", "web"], StoreFixture.Deadline()));

        Assert.AreEqual(StoreError.IoError, failed.Error);
        Assert.IsTrue(store.Log.Contains(LogLevel.Warning, "'domain-create'"), store.Log.Dump());
    }

    [TestMethod]
    public async Task ControlInsideATransactionIsEINVALAndTheConnectionStays()
    {
        var calls = 0;
        await using var store = new StoreFixture(controlHandler: (_, _, _) =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult("ran");
        });
        using var raw = await store.ConnectRawAsync();
        await raw.SendAsync(RawFrames.Frame(6, 1, 0, RawFrames.Strings(string.Empty)));
        var started = await RawFrames.ReceiveFrameAsync(raw);
        var transaction = uint.Parse(Encoding.ASCII.GetString(started!.Value.Payload).TrimEnd('\0'), System.Globalization.CultureInfo.InvariantCulture);

        // Both an open transaction and an id that names none.
        await raw.SendAsync((byte[])[
            .. RawFrames.Frame(0, 2, transaction, RawFrames.Strings("domain-list")),
            .. RawFrames.Frame(0, 3, transaction + 100, RawFrames.Strings("domain-list"))]);

        foreach (var id in new[] { 2u, 3u })
        {
            var reply = await RawFrames.ReceiveFrameAsync(raw);
            Assert.AreEqual((16u, id), (reply!.Value.Type, reply.Value.RequestId));
            CollectionAssert.AreEqual(RawFrames.Strings("EINVAL"), reply.Value.Payload);
        }

        Assert.AreEqual(0, Volatile.Read(ref calls));
        await raw.SendAsync(RawFrames.Frame(7, 4, transaction, RawFrames.Strings("T")));
        var committed = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual((7u, 4u), (committed!.Value.Type, committed.Value.RequestId), "the transaction is still open and commits");
    }

    [TestMethod]
    public async Task OnTheWireControlIsTypeZeroWithNulSeparatedArgumentsAndARawTextReply()
    {
        string[]? received = null;
        await using var store = new StoreFixture(controlHandler: (_, arguments, _) =>
        {
            received = [.. arguments];
            return ValueTask.FromResult("{\"ok\":true,\"result\":\"café\"}");
        });
        using var raw = await store.ConnectRawAsync();

        await raw.SendAsync(RawFrames.Frame(0, 0xC0FFEE, 0, RawFrames.Strings("device-list", "web", string.Empty)));
        var reply = await RawFrames.ReceiveFrameAsync(raw);

        Assert.AreEqual((0u, 0xC0FFEEu, 0u), (reply!.Value.Type, reply.Value.RequestId, reply.Value.TransactionId));
        CollectionAssert.AreEqual(Encoding.UTF8.GetBytes("{\"ok\":true,\"result\":\"café\"}"), reply.Value.Payload, "UTF-8 text, no terminator");
        CollectionAssert.AreEqual(new[] { "device-list", "web", string.Empty }, received);
        Assert.AreEqual(0u, (uint)StoreMessageType.Control);
    }

    [TestMethod]
    public async Task NoArgumentsOrAnEmptyCommandNameIsEINVAL()
    {
        await using var store = new StoreFixture(controlHandler: (_, _, _) => ValueTask.FromResult("ran"));
        using var raw = await store.ConnectRawAsync();

        await raw.SendAsync((byte[])[
            .. RawFrames.Frame(0, 1, 0, []),
            .. RawFrames.Frame(0, 2, 0, RawFrames.Strings(string.Empty, "web"))]);

        foreach (var id in new[] { 1u, 2u })
        {
            var reply = await RawFrames.ReceiveFrameAsync(raw);
            Assert.AreEqual((16u, id), (reply!.Value.Type, reply.Value.RequestId));
            CollectionAssert.AreEqual(RawFrames.Strings("EINVAL"), reply.Value.Payload);
        }

        await raw.SendAsync(RawFrames.Frame(0, 3, 0, RawFrames.Strings("domain-list")));
        var ok = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual((0u, 3u), (ok!.Value.Type, ok.Value.RequestId));
    }

    [TestMethod]
    public async Task ASlowCommandDoesNotHoldUpTheRequestsBehindIt()
    {
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var store = new StoreFixture(controlHandler: (_, _, _) => new ValueTask<string>(release.Task));
        store.Tree.Write(0, "/quick", "answer");
        using var raw = await store.ConnectRawAsync();

        await raw.SendAsync((byte[])[
            .. RawFrames.Frame(0, 1, 0, RawFrames.Strings("domain-create", "web")),
            .. RawFrames.Frame(2, 2, 0, RawFrames.Strings("/quick"))]);

        var first = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual((2u, 2u), (first!.Value.Type, first.Value.RequestId), "the READ sent second is answered while the command runs");
        release.SetResult("created");
        var second = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual((0u, 1u), (second!.Value.Type, second.Value.RequestId));
        CollectionAssert.AreEqual("created"u8.ToArray(), second.Value.Payload);
    }

    [TestMethod]
    public async Task ConcurrentCommandsOfOneConnectionAreBoundedByTheLimit()
    {
        var running = 0;
        var most = 0;
        await using var store = new StoreFixture(
            maxControlRequests: 2,
            controlHandler: async (_, arguments, cancellationToken) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Delay(50, cancellationToken);
                Interlocked.Decrement(ref running);
                return arguments[1];
            });
        var dom0 = await store.ConnectDom0Async();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => dom0.ControlAsync(["echo", $"{i}"], StoreFixture.Deadline())));

        CollectionAssert.AreEqual(Enumerable.Range(0, 6).Select(i => $"{i}").ToArray(), answers);
        Assert.AreEqual(2, Volatile.Read(ref most), "six overlapping 50 ms commands run two at a time");
    }

    [TestMethod]
    public async Task ClosingTheConnectionCancelsARunningCommandAndStopWaitsForIt()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new StoreFixture(controlHandler: async (_, _, cancellationToken) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                // Slow to wind down: the server's stop must wait for this.
                await Task.Delay(100, CancellationToken.None);
                cancelled.SetResult();
            }

            return "never";
        });
        var dom0 = await store.ConnectDom0Async();
        var pending = dom0.ControlAsync(["domain-create", "web"], StoreFixture.Deadline());
        await started.Task.WaitAsync(StoreFixture.Timeout);

        await dom0.DisposeAsync();
        await store.Server.StopAsync(StoreFixture.Deadline());

        Assert.IsTrue(cancelled.Task.IsCompleted, "the handler finished before StopAsync returned");
        await Assert.ThrowsExactlyAsync<StoreConnectionLostException>(() => pending);
        await store.DisposeAsync();
    }

    [TestMethod]
    public async Task AnAnswerOverTheReplyLimitIsE2BIG()
    {
        await using var store = new StoreFixture(controlHandler: (_, _, _) => ValueTask.FromResult(new string('x', ProtocolLimits.MaxReplyPayload + 1)));
        var dom0 = await store.ConnectDom0Async();

        var refused = await Assert.ThrowsExactlyAsync<StoreException>(() => dom0.ControlAsync(["domain-list"], StoreFixture.Deadline()));

        Assert.AreEqual(StoreError.TooBig, refused.Error);
    }

    [TestMethod]
    public async Task TheClientRefusesArgumentsItCannotEncode()
    {
        await using var store = new StoreFixture(controlHandler: (_, _, _) => ValueTask.FromResult("ran"));
        var dom0 = await store.ConnectDom0Async();

        await Assert.ThrowsExactlyAsync<ArgumentException>(() => dom0.ControlAsync([], StoreFixture.Deadline()));
        await Assert.ThrowsExactlyAsync<ArgumentException>(() => dom0.ControlAsync(["domain-create", "we\0b"], StoreFixture.Deadline()));
        var tooBig = await Assert.ThrowsExactlyAsync<StoreException>(() => dom0.ControlAsync(["domain-create", new string('a', ProtocolLimits.MaxRequestPayload)], StoreFixture.Deadline()));
        Assert.AreEqual(StoreError.TooBig, tooBig.Error);
        Assert.AreEqual("ran", await dom0.ControlAsync(["domain-list"], StoreFixture.Deadline()));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
