using ParaIo.Store.Tree;

namespace ParaIo.Store.Tests;

/// <summary>A guest cannot exhaust the daemon: nodes, watches and transactions are bounded.</summary>
[TestClass]
public sealed class QuotaTests
{
    private static StoreTree GuestTree(int maxNodes)
    {
        var tree = new StoreTree(new StoreLimits { MaxNodesPerDomain = maxNodes });
        tree.Mkdir(0, "/local/domain/1");
        tree.SetPermissions(0, "/local/domain/1", NodePermissions.Create(1, StoreAccess.None));
        return tree;
    }

    [TestMethod]
    public void AGuestStopsAtItsNodeQuotaWithEQUOTA()
    {
        var tree = GuestTree(maxNodes: 10);
        for (var i = 0; i < 9; i++)
        {
            tree.Write(1, $"/local/domain/1/n{i}", "x");
        }

        var error = Assert.ThrowsExactly<StoreException>(() => tree.Write(1, "/local/domain/1/n9", "x"));

        Assert.AreEqual("EQUOTA", error.ErrnoName);
        Assert.AreEqual(10, tree.OwnedNodeCount(1));
        tree.Write(1, "/local/domain/1/n0", "rewriting an existing node is not a new node");
    }

    [TestMethod]
    public void CreatingSeveralParentsAtOnceIsRefusedWholeWhenTheyDoNotAllFit()
    {
        var tree = GuestTree(maxNodes: 3);

        Assert.ThrowsExactly<StoreException>(() => tree.Write(1, "/local/domain/1/a/b/c", "x"));

        Assert.IsFalse(tree.Exists("/local/domain/1/a"));
        Assert.AreEqual(1, tree.OwnedNodeCount(1));
    }

    [TestMethod]
    public void RemovingNodesGivesTheQuotaBack()
    {
        var tree = GuestTree(maxNodes: 3);
        tree.Write(1, "/local/domain/1/a/b", "x");
        Assert.ThrowsExactly<StoreException>(() => tree.Write(1, "/local/domain/1/c", "x"));

        tree.Remove(1, "/local/domain/1/a");
        tree.Write(1, "/local/domain/1/c", "x");

        Assert.AreEqual(2, tree.OwnedNodeCount(1));
    }

    [TestMethod]
    public void Domain0IsNotBoundByTheQuota()
    {
        var tree = GuestTree(maxNodes: 2);

        for (var i = 0; i < 5; i++)
        {
            tree.Write(0, $"/tool/n{i}", "x");
            tree.Write(0, $"/local/domain/1/given{i}", "x");
        }

        Assert.AreEqual(6, tree.OwnedNodeCount(1), "dom0 may hand a guest more than it could create itself");
    }

    [TestMethod]
    public void ATooLongPermissionListIsE2BIG()
    {
        var tree = new StoreTree(new StoreLimits { MaxPermissionEntries = 3 });
        tree.Mkdir(0, "/a");
        var grants = Enumerable.Range(1, 3).Select(d => new PermissionEntry((ushort)d, StoreAccess.Read)).ToArray();

        var error = Assert.ThrowsExactly<StoreException>(() => tree.SetPermissions(0, "/a", NodePermissions.Create(0, StoreAccess.None, grants)));

        Assert.AreEqual(StoreError.TooBig, error.Error);
    }

    [TestMethod]
    public async Task AConnectionIsLimitedInWatchesAndOpenTransactions()
    {
        await using var store = new StoreFixture(new StoreLimits { MaxWatchesPerConnection = 3, MaxTransactionsPerConnection = 2 });
        store.IntroduceDomain(1);
        var guest = await store.ConnectGuestAsync(1);

        for (var i = 0; i < 3; i++)
        {
            await guest.WatchAsync("/local/domain/1", $"t{i}", StoreFixture.Deadline());
        }

        var watch = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.WatchAsync("/local/domain/1", "t3", StoreFixture.Deadline()));
        Assert.AreEqual("EQUOTA", watch.ErrnoName);

        await using var first = await guest.StartTransactionAsync(StoreFixture.Deadline());
        await using var second = await guest.StartTransactionAsync(StoreFixture.Deadline());
        var third = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.StartTransactionAsync(StoreFixture.Deadline()));
        Assert.AreEqual("EQUOTA", third.ErrnoName);

        await first.AbortAsync(StoreFixture.Deadline());
        await using var replacement = await guest.StartTransactionAsync(StoreFixture.Deadline());
    }

    [TestMethod]
    public async Task AGuestsQuotaHoldsOverTheSocketAndInsideTransactions()
    {
        await using var store = new StoreFixture(new StoreLimits { MaxNodesPerDomain = 4 });
        store.IntroduceDomain(1);
        var guest = await store.ConnectGuestAsync(1);
        await guest.WriteAsync("/local/domain/1/a", "x", StoreFixture.Deadline());

        var direct = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.WriteAsync("/local/domain/1/b/c/d", "x", StoreFixture.Deadline()));
        Assert.AreEqual(StoreError.QuotaExceeded, direct.Error);

        await using var transaction = await guest.StartTransactionAsync(StoreFixture.Deadline());
        await transaction.WriteAsync("/local/domain/1/b", "x", StoreFixture.Deadline());
        await transaction.WriteAsync("/local/domain/1/c", "x", StoreFixture.Deadline());
        var inside = await Assert.ThrowsExactlyAsync<StoreException>(() => transaction.WriteAsync("/local/domain/1/d", "x", StoreFixture.Deadline()));
        Assert.AreEqual(StoreError.QuotaExceeded, inside.Error);
    }

    [TestMethod]
    public async Task ATransactionThatLooksAtTooManyPathsIsRefusedEQUOTA()
    {
        await using var store = new StoreFixture(new StoreLimits { MaxTransactionAccessedPaths = 10 });
        var client = await store.ConnectDom0Async();
        await using var transaction = await client.StartTransactionAsync(StoreFixture.Deadline());

        StoreException? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            try
            {
                await transaction.TryReadStringAsync($"/missing{i}", StoreFixture.Deadline());
            }
            catch (StoreException exception)
            {
                refused = exception;
            }
        }

        Assert.AreEqual(StoreError.QuotaExceeded, refused?.Error);
    }

    [TestMethod]
    public async Task AValueTooLargeForAFrameIsRefusedByTheClientWithoutLosingTheConnection()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();

        var tooBigForTheTree = await Assert.ThrowsExactlyAsync<StoreException>(() => client.WriteAsync("/v", new byte[5000], StoreFixture.Deadline()));
        var tooBigForAFrame = await Assert.ThrowsExactlyAsync<StoreException>(() => client.WriteAsync("/v", new byte[9000], StoreFixture.Deadline()));

        Assert.AreEqual("E2BIG", tooBigForTheTree.ErrnoName);
        Assert.AreEqual("E2BIG", tooBigForAFrame.ErrnoName);
        await client.WriteAsync("/v", new byte[4096], StoreFixture.Deadline());
        Assert.IsTrue(client.IsConnected);
    }
}
