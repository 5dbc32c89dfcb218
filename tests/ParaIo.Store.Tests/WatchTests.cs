using ParaIo.Store.Tree;
using ParaIo.Store.Watches;

namespace ParaIo.Store.Tests;

/// <summary>
/// Watches over the socket. A test that expects no event for some change makes a change that must
/// fire afterwards and checks that the next event is that one, so a stray event cannot hide.
/// </summary>
[TestClass]
public sealed class WatchTests
{
    [TestMethod]
    public async Task AWatchFiresOnceOnRegistrationWithItsPathAndToken()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();

        await client.WatchAsync("/not/yet/there", "tok-1", StoreFixture.Deadline());

        Assert.AreEqual(new WatchEvent("/not/yet/there", "tok-1"), await StoreFixture.NextEventAsync(client));
    }

    [TestMethod]
    public async Task AWatchFiresForChangesAtAndBelowItsPathWithTheChangedPath()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        await client.WatchAsync("/vm", "vm-token", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(client);

        await client.WriteAsync("/vm", "x", StoreFixture.Deadline());
        await client.WriteAsync("/vm/device/vif/0/state", "4", StoreFixture.Deadline());
        await client.MkdirAsync("/vm/new", StoreFixture.Deadline());
        await client.SetPermissionsAsync("/vm/new", NodePermissions.Create(0, StoreAccess.Read), StoreFixture.Deadline());
        await client.RemoveAsync("/vm/new", StoreFixture.Deadline());

        string[] expected = ["/vm", "/vm/device/vif/0/state", "/vm/new", "/vm/new", "/vm/new"];
        foreach (var path in expected)
        {
            Assert.AreEqual(new WatchEvent(path, "vm-token"), await StoreFixture.NextEventAsync(client));
        }
    }

    [TestMethod]
    public async Task AWatchDoesNotFireForUnrelatedPathsOrSiblingsWithACommonPrefix()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        await client.WatchAsync("/a/b", "t", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(client);

        await client.WriteAsync("/a", "parent", StoreFixture.Deadline());
        await client.WriteAsync("/a/bc", "prefix, not a child", StoreFixture.Deadline());
        await client.WriteAsync("/elsewhere", "x", StoreFixture.Deadline());
        await client.MkdirAsync("/a/mkdir-of-existing-is-no-change", StoreFixture.Deadline());
        await client.WriteAsync("/a/b/marker", "x", StoreFixture.Deadline());

        Assert.AreEqual(new WatchEvent("/a/b/marker", "t"), await StoreFixture.NextEventAsync(client));
        await client.MkdirAsync("/a/b/marker", StoreFixture.Deadline());
        await client.WriteAsync("/a/b/marker2", "x", StoreFixture.Deadline());
        Assert.AreEqual(new WatchEvent("/a/b/marker2", "t"), await StoreFixture.NextEventAsync(client), "mkdir of an existing node changes nothing");
    }

    [TestMethod]
    public async Task RemovingAParentFiresTheWatchesBelowIt()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        await client.WriteAsync("/dev/vif/0/state", "4", StoreFixture.Deadline());
        await client.WatchAsync("/dev/vif/0/state", "state", StoreFixture.Deadline());
        await client.WatchAsync("/dev", "top", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(client);
        await StoreFixture.NextEventAsync(client);

        await client.RemoveAsync("/dev/vif", StoreFixture.Deadline());

        var events = new[] { await StoreFixture.NextEventAsync(client), await StoreFixture.NextEventAsync(client) };
        CollectionAssert.AreEquivalent(new[] { new WatchEvent("/dev/vif", "top"), new WatchEvent("/dev/vif/0/state", "state") }, events);
    }

    [TestMethod]
    public async Task TwoWatchesOnOnePathAreToldApartByToken()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        await client.WatchAsync("/p", "first", StoreFixture.Deadline());
        await client.WatchAsync("/p", "second", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(client);
        await StoreFixture.NextEventAsync(client);

        await client.WriteAsync("/p", "x", StoreFixture.Deadline());

        var tokens = new[] { (await StoreFixture.NextEventAsync(client)).Token, (await StoreFixture.NextEventAsync(client)).Token };
        CollectionAssert.AreEquivalent(new[] { "first", "second" }, tokens);
        var duplicate = await Assert.ThrowsExactlyAsync<StoreException>(() => client.WatchAsync("/p", "first", StoreFixture.Deadline()));
        Assert.AreEqual("EEXIST", duplicate.ErrnoName);
    }

    [TestMethod]
    public async Task UnwatchStopsTheEvents()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        await client.WatchAsync("/gone", "g", StoreFixture.Deadline());
        await client.WatchAsync("/kept", "k", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(client);
        await StoreFixture.NextEventAsync(client);

        await client.UnwatchAsync("/gone", "g", StoreFixture.Deadline());
        await client.WriteAsync("/gone", "x", StoreFixture.Deadline());
        await client.WriteAsync("/kept", "x", StoreFixture.Deadline());

        Assert.AreEqual(new WatchEvent("/kept", "k"), await StoreFixture.NextEventAsync(client));
        var missing = await Assert.ThrowsExactlyAsync<StoreException>(() => client.UnwatchAsync("/gone", "g", StoreFixture.Deadline()));
        Assert.AreEqual("ENOENT", missing.ErrnoName);
    }

    [TestMethod]
    public async Task AGuestHearsNothingAboutPathsItMayNotRead()
    {
        await using var store = new StoreFixture();
        store.IntroduceDomain(1);
        store.IntroduceDomain(2);
        var guest = await store.ConnectGuestAsync(1);
        var dom0 = await store.ConnectDom0Async();
        await guest.WatchAsync("/local/domain/2", "spy", StoreFixture.Deadline());
        await guest.WatchAsync("/local/domain/1", "own", StoreFixture.Deadline());
        Assert.AreEqual(new WatchEvent("/local/domain/2", "spy"), await StoreFixture.NextEventAsync(guest), "registration fires regardless; it reveals nothing");
        await StoreFixture.NextEventAsync(guest);

        await dom0.WriteAsync("/local/domain/2/secret", "x", StoreFixture.Deadline());
        await dom0.RemoveAsync("/local/domain/2/secret", StoreFixture.Deadline());
        await dom0.WriteAsync("/local/domain/1/visible", "x", StoreFixture.Deadline());

        Assert.AreEqual(new WatchEvent("/local/domain/1/visible", "own"), await StoreFixture.NextEventAsync(guest));
    }

    [TestMethod]
    public async Task AGuestWatchingTheRootHearsOnlyItsOwnAndGrantedNodes()
    {
        await using var store = new StoreFixture();
        store.IntroduceDomain(1);
        store.IntroduceDomain(2);
        var guest = await store.ConnectGuestAsync(1);
        var other = await store.ConnectGuestAsync(2);
        await guest.WatchAsync("/", "root", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(guest);

        await other.WriteAsync("/local/domain/2/private", "x", StoreFixture.Deadline());
        await other.WriteAsync("/local/domain/2/shared", "x", StoreFixture.Deadline());
        await other.SetPermissionsAsync("/local/domain/2/shared", NodePermissions.Create(2, StoreAccess.None, new PermissionEntry(1, StoreAccess.Read)), StoreFixture.Deadline());

        Assert.AreEqual(new WatchEvent("/local/domain/2/shared", "root"), await StoreFixture.NextEventAsync(guest), "granting read fires for the new reader");
        await other.WriteAsync("/local/domain/2/private", "y", StoreFixture.Deadline());
        await other.WriteAsync("/local/domain/2/shared", "y", StoreFixture.Deadline());
        Assert.AreEqual(new WatchEvent("/local/domain/2/shared", "root"), await StoreFixture.NextEventAsync(guest));
    }

    [TestMethod]
    public async Task SpecialWatchesAreForDomain0AndTheHostFiresThem()
    {
        await using var store = new StoreFixture();
        store.IntroduceDomain(1);
        var guest = await store.ConnectGuestAsync(1);
        var dom0 = await store.ConnectDom0Async();

        var refused = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.WatchAsync("@releaseDomain", "r", StoreFixture.Deadline()));
        Assert.AreEqual("EACCES", refused.ErrnoName);
        await dom0.WatchAsync("@releaseDomain", "released", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(dom0);

        store.Tree.FireSpecialWatch("@releaseDomain");

        Assert.AreEqual(new WatchEvent("@releaseDomain", "released"), await StoreFixture.NextEventAsync(dom0));
    }

    [TestMethod]
    public async Task HostWritesInProcessFireClientWatches()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        await client.WatchAsync("/local/domain/0/backend", "be", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(client);

        store.Tree.Write(0, "/local/domain/0/backend/vif/1/0/state", "2");

        Assert.AreEqual(new WatchEvent("/local/domain/0/backend/vif/1/0/state", "be"), await StoreFixture.NextEventAsync(client));
    }

    [TestMethod]
    public async Task MalformedWatchPathsAreEINVAL()
    {
        await using var store = new StoreFixture();
        var client = await store.ConnectDom0Async();

        var error = await Assert.ThrowsExactlyAsync<StoreException>(() => client.WatchAsync("no-slash", "t", StoreFixture.Deadline()));

        Assert.AreEqual("EINVAL", error.ErrnoName);
    }
}
