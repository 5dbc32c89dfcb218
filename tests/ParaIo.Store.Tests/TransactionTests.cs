using System.Globalization;
using ParaIo.Store.Client;
using ParaIo.Store.Watches;

namespace ParaIo.Store.Tests;

/// <summary>Optimistic transactions: isolation, EAGAIN on conflict, the retry helper, events at commit.</summary>
[TestClass]
public sealed class TransactionTests
{
    [TestMethod]
    public async Task ATransactionSeesItsOwnWritesAndNobodyElseDoesBeforeCommit()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var observer = await store.ConnectDom0Async();
        await client.WriteAsync("/t/a", "old", StoreFixture.Deadline());

        var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        await transaction.WriteAsync("/t/a", "new", StoreFixture.Deadline());
        await transaction.WriteAsync("/t/b/c", "created", StoreFixture.Deadline());
        await transaction.RemoveAsync("/t/a", StoreFixture.Deadline());
        await transaction.WriteAsync("/t/a", "newer", StoreFixture.Deadline());

        Assert.AreEqual("newer", await transaction.ReadStringAsync("/t/a", StoreFixture.Deadline()));
        CollectionAssert.AreEqual(new[] { "a", "b" }, (await transaction.DirectoryAsync("/t", StoreFixture.Deadline())).ToArray());
        Assert.AreEqual("old", await observer.ReadStringAsync("/t/a", StoreFixture.Deadline()));
        Assert.AreEqual("old", await client.ReadStringAsync("/t/a", StoreFixture.Deadline()), "outside the transaction, even on its own connection");
        Assert.IsNull(await observer.TryReadStringAsync("/t/b/c", StoreFixture.Deadline()));

        Assert.IsTrue(await transaction.CommitAsync(StoreFixture.Deadline()));
        Assert.AreEqual("newer", await observer.ReadStringAsync("/t/a", StoreFixture.Deadline()));
        Assert.AreEqual("created", await observer.ReadStringAsync("/t/b/c", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task ATransactionReadsASnapshotTakenWhenItBegan()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var other = await store.ConnectDom0Async();
        await client.WriteAsync("/s", "before", StoreFixture.Deadline());

        await using var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        await other.WriteAsync("/s", "after", StoreFixture.Deadline());
        await other.WriteAsync("/s2", "new", StoreFixture.Deadline());

        Assert.AreEqual("before", await transaction.ReadStringAsync("/s", StoreFixture.Deadline()));
        Assert.IsNull(await transaction.TryReadStringAsync("/s2", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task ACommitAfterAConcurrentChangeToWhatItReadAnswersEAGAINAndAppliesNothing()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var other = await store.ConnectDom0Async();
        await client.WriteAsync("/counter", "1", StoreFixture.Deadline());

        var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        var value = await transaction.ReadStringAsync("/counter", StoreFixture.Deadline());
        await transaction.WriteAsync("/derived", value + "+", StoreFixture.Deadline());
        await other.WriteAsync("/counter", "2", StoreFixture.Deadline());

        Assert.IsFalse(await transaction.CommitAsync(StoreFixture.Deadline()));
        Assert.IsNull(await client.TryReadStringAsync("/derived", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task ChangesTheTransactionNeverLookedAtDoNotConflict()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var other = await store.ConnectDom0Async();
        await client.WriteAsync("/dir/mine", "1", StoreFixture.Deadline());
        await client.WriteAsync("/dir/theirs", "1", StoreFixture.Deadline());

        var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        await transaction.WriteAsync("/dir/mine", "2", StoreFixture.Deadline());
        await other.WriteAsync("/dir/theirs", "2", StoreFixture.Deadline());
        await other.WriteAsync("/elsewhere/new", "2", StoreFixture.Deadline());

        Assert.IsTrue(await transaction.CommitAsync(StoreFixture.Deadline()));
        Assert.AreEqual("2", await client.ReadStringAsync("/dir/mine", StoreFixture.Deadline()));
        Assert.AreEqual("2", await client.ReadStringAsync("/dir/theirs", StoreFixture.Deadline()));
    }

    [TestMethod]
    [DataRow("create-then-conflict")]
    [DataRow("remove-below")]
    [DataRow("list-then-add")]
    public async Task StructuralChangesUnderWhatTheTransactionTouchedConflict(string scenario)
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var other = await store.ConnectDom0Async();
        await client.WriteAsync("/x/y/z", "1", StoreFixture.Deadline());

        var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        switch (scenario)
        {
            case "create-then-conflict":
                // Both create the same missing node.
                await transaction.WriteAsync("/x/new", "tx", StoreFixture.Deadline());
                await other.WriteAsync("/x/new", "other", StoreFixture.Deadline());
                break;
            case "remove-below":
                // The transaction removes a subtree in which someone else creates a node.
                await transaction.RemoveAsync("/x", StoreFixture.Deadline());
                await other.WriteAsync("/x/y/z/deeper", "other", StoreFixture.Deadline());
                break;
            case "list-then-add":
                await transaction.DirectoryAsync("/x", StoreFixture.Deadline());
                await transaction.WriteAsync("/summary", "one child", StoreFixture.Deadline());
                await other.MkdirAsync("/x/second", StoreFixture.Deadline());
                break;
        }

        Assert.IsFalse(await transaction.CommitAsync(StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task AbortDiscardsEverything()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();

        var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        await transaction.WriteAsync("/aborted", "x", StoreFixture.Deadline());
        await transaction.AbortAsync(StoreFixture.Deadline());

        Assert.IsNull(await client.TryReadStringAsync("/aborted", StoreFixture.Deadline()));
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => transaction.ReadAsync("/aborted", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task TheRetryHelperMakesConcurrentIncrementsAllCount()
    {
        await using var store = new StoreFixture();
        var first = await store.ConnectDom0Async();
        var second = await store.ConnectDom0Async();
        await first.WriteAsync("/counter", "0", StoreFixture.Deadline());
        var attempts = 0;

        async Task IncrementAsync(StoreClient client, int times)
        {
            for (var i = 0; i < times; i++)
            {
                await client.RunTransactionAsync(
                    async (transaction, cancellationToken) =>
                    {
                        Interlocked.Increment(ref attempts);
                        var value = int.Parse(await transaction.ReadStringAsync("/counter", cancellationToken), CultureInfo.InvariantCulture);
                        await Task.Yield();
                        await transaction.WriteAsync("/counter", (value + 1).ToString(CultureInfo.InvariantCulture), cancellationToken);
                    },
                    maxRetries: 100,
                    StoreFixture.Deadline());
            }
        }

        await Task.WhenAll(IncrementAsync(first, 25), IncrementAsync(second, 25), IncrementAsync(first, 25));

        Assert.AreEqual("75", await first.ReadStringAsync("/counter", StoreFixture.Deadline()));
        Assert.IsGreaterThanOrEqualTo(75, attempts);
    }

    [TestMethod]
    public async Task ControlWithoutTransactionsInterleavedIncrementsLoseOne()
    {
        // The control for the test above: the interleaving a transaction guards against does lose
        // an update with plain reads and writes, so a right count there means something.
        await using var store = new StoreFixture();
        var first = await store.ConnectDom0Async();
        var second = await store.ConnectDom0Async();
        await first.WriteAsync("/counter", "0", StoreFixture.Deadline());

        var seenByFirst = int.Parse(await first.ReadStringAsync("/counter", StoreFixture.Deadline()), CultureInfo.InvariantCulture);
        var seenBySecond = int.Parse(await second.ReadStringAsync("/counter", StoreFixture.Deadline()), CultureInfo.InvariantCulture);
        await first.WriteAsync("/counter", (seenByFirst + 1).ToString(CultureInfo.InvariantCulture), StoreFixture.Deadline());
        await second.WriteAsync("/counter", (seenBySecond + 1).ToString(CultureInfo.InvariantCulture), StoreFixture.Deadline());

        Assert.AreEqual("1", await first.ReadStringAsync("/counter", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task TheRetryHelperRunsTheBodyAgainAfterEAGAIN()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var other = await store.ConnectDom0Async();
        await client.WriteAsync("/counter", "0", StoreFixture.Deadline());
        var calls = 0;

        var committed = await client.RunTransactionAsync(
            async (transaction, cancellationToken) =>
            {
                calls++;
                var value = int.Parse(await transaction.ReadStringAsync("/counter", cancellationToken), CultureInfo.InvariantCulture);
                if (calls == 1)
                {
                    // The same interleaving as the control: someone else increments meanwhile.
                    await other.WriteAsync("/counter", "1", cancellationToken);
                }

                await transaction.WriteAsync("/counter", (value + 1).ToString(CultureInfo.InvariantCulture), cancellationToken);
                return value + 1;
            },
            maxRetries: 3,
            StoreFixture.Deadline());

        Assert.AreEqual(2, calls);
        Assert.AreEqual(2, committed);
        Assert.AreEqual("2", await client.ReadStringAsync("/counter", StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task TheRetryHelperGivesUpWithEAGAINAfterItsRetries()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var other = await store.ConnectDom0Async();
        var calls = 0;

        var error = await Assert.ThrowsExactlyAsync<StoreException>(() => client.RunTransactionAsync(
            async (transaction, cancellationToken) =>
            {
                calls++;
                await transaction.ReadAsync("/", cancellationToken);
                await other.WriteAsync($"/churn{calls}", "x", cancellationToken);
            },
            maxRetries: 2,
            StoreFixture.Deadline()));

        Assert.AreEqual("EAGAIN", error.ErrnoName);
        Assert.AreEqual(3, calls);
    }

    [TestMethod]
    public async Task WatchEventsOfATransactionFireAtCommitNotBefore()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var watcher = await store.ConnectDom0Async();
        // Both nodes exist, so neither write changes /w's children and the commit cannot conflict.
        await client.WriteAsync("/w/in-transaction", "0", StoreFixture.Deadline());
        await client.WriteAsync("/w/outside", "0", StoreFixture.Deadline());
        await watcher.WatchAsync("/w", "w", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(watcher);

        var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        await transaction.WriteAsync("/w/in-transaction", "x", StoreFixture.Deadline());
        await client.WriteAsync("/w/outside", "x", StoreFixture.Deadline());
        Assert.AreEqual(new WatchEvent("/w/outside", "w"), await StoreFixture.NextEventAsync(watcher), "the transaction's write has not fired yet");

        Assert.IsTrue(await transaction.CommitAsync(StoreFixture.Deadline()));
        Assert.AreEqual(new WatchEvent("/w/in-transaction", "w"), await StoreFixture.NextEventAsync(watcher));
    }

    [TestMethod]
    public async Task TransactionIdsBelongToTheirConnectionAndEndOnce()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        var other = await store.ConnectDom0Async();
        var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());
        Assert.AreNotEqual(0u, transaction.Id);

        // Forge the other connection's use of this id through the raw protocol.
        using var raw = await store.ConnectRawAsync();
        await raw.SendAsync(RawFrames.Frame(2, 1, transaction.Id, RawFrames.Strings("/")));
        var reply = await RawFrames.ReceiveFrameAsync(raw);
        Assert.AreEqual(16u, reply!.Value.Type);
        CollectionAssert.AreEqual(RawFrames.Strings("ENOENT"), reply.Value.Payload);

        Assert.IsTrue(await transaction.CommitAsync(StoreFixture.Deadline()));
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => transaction.CommitAsync(StoreFixture.Deadline()));
        Assert.IsTrue(other.IsConnected);
    }
}
