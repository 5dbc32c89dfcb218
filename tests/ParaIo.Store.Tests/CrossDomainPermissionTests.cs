using ParaIo.Store.Tree;

namespace ParaIo.Store.Tests;

/// <summary>Xen's permission model: guests are confined to their own subtree and to what domain 0 grants them.</summary>
[TestClass]
public sealed class CrossDomainPermissionTests
{
    private const ushort GuestA = 1;
    private const ushort GuestB = 2;

    private static StoreTree TwoGuests()
    {
        var tree = new StoreTree();
        foreach (var domain in new[] { GuestA, GuestB })
        {
            var path = StorePath.ForDomain(domain);
            tree.Mkdir(0, path);
            tree.SetPermissions(0, path, NodePermissions.Create(domain, StoreAccess.None));
        }

        tree.Write(GuestB, "/local/domain/2/secret", "b's");
        return tree;
    }

    private static StoreError Refusal(Action action) => Assert.ThrowsExactly<StoreException>(action).Error;

    [TestMethod]
    public void AGuestCannotReadListOrWatchTheValuesOfAnotherGuestsSubtree()
    {
        var tree = TwoGuests();

        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Read(GuestA, "/local/domain/2/secret")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Directory(GuestA, "/local/domain/2")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.GetPermissions(GuestA, "/local/domain/2")));
    }

    [TestMethod]
    public void AGuestCannotWriteCreateOrRemoveInAnotherGuestsSubtree()
    {
        var tree = TwoGuests();

        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Write(GuestA, "/local/domain/2/secret", "mine")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Write(GuestA, "/local/domain/2/new", "x")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Mkdir(GuestA, "/local/domain/2/dir")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Remove(GuestA, "/local/domain/2")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Write(GuestA, "/outside", "x")));
        Assert.AreEqual("b's", tree.ReadString(GuestB, "/local/domain/2/secret"));
    }

    [TestMethod]
    public void AMissingNodeInAnUnreadableSubtreeIsEACCESSoItsAbsenceDoesNotLeak()
    {
        var tree = TwoGuests();

        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Read(GuestA, "/local/domain/2/absent")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Remove(GuestA, "/local/domain/2/absent")));
        Assert.AreEqual(StoreError.NotFound, Refusal(() => tree.Read(GuestA, "/local/domain/1/absent")));
    }

    [TestMethod]
    public void AGuestOwnsWhatItCreatesInItsSubtreeAndItCountsAgainstItsQuota()
    {
        var tree = TwoGuests();

        tree.Write(GuestA, "/local/domain/1/device/vif/0/state", "1");

        var permissions = tree.GetPermissions(GuestA, "/local/domain/1/device/vif/0/state");
        Assert.AreEqual(GuestA, permissions.Owner);
        Assert.AreEqual(StoreAccess.None, permissions.DefaultAccess);
        Assert.AreEqual(5, tree.OwnedNodeCount(GuestA), "its directory, then device, vif, 0 and state");
    }

    [TestMethod]
    public void AGuestReadsWhatDomain0GrantsItAndNothingElse()
    {
        var tree = TwoGuests();
        var backend = "/local/domain/0/backend/vif/1/0";
        tree.Write(0, backend + "/mac", "00:16:3e:00:00:01");
        tree.SetPermissions(0, backend, NodePermissions.Create(0, StoreAccess.None, new PermissionEntry(GuestA, StoreAccess.Read)));
        tree.SetPermissions(0, backend + "/mac", NodePermissions.Create(0, StoreAccess.None, new PermissionEntry(GuestA, StoreAccess.Read)));

        Assert.AreEqual("00:16:3e:00:00:01", tree.ReadString(GuestA, backend + "/mac"));
        CollectionAssert.AreEqual(new[] { "mac" }, tree.Directory(GuestA, backend).ToArray());
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Write(GuestA, backend + "/mac", "spoofed")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Read(GuestB, backend + "/mac")));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Directory(GuestA, "/local/domain/0/backend")), "permissions are per node, not inherited at read time");
    }

    [TestMethod]
    public void AWriteGrantLetsAGuestCreateNodesItThenOwns()
    {
        var tree = TwoGuests();
        tree.Mkdir(0, "/shared");
        tree.SetPermissions(0, "/shared", NodePermissions.Create(0, StoreAccess.None, new PermissionEntry(GuestA, StoreAccess.Write)));

        tree.Write(GuestA, "/shared/note", "hello");

        var permissions = tree.GetPermissions(0, "/shared/note");
        Assert.AreEqual(GuestA, permissions.Owner, "Xen: a node created by an unprivileged domain is owned by it");
        CollectionAssert.AreEqual(new[] { "n1", "w1" }, permissions.ToWireStrings(), "the rest of the parent's list is inherited");
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Directory(GuestA, "/shared")), "write does not imply read");
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.Write(GuestB, "/shared/other", "x")));
    }

    [TestMethod]
    public void NodesDomain0CreatesInheritTheParentsListUnchanged()
    {
        var tree = TwoGuests();

        tree.Write(0, "/local/domain/1/control/shutdown", string.Empty);

        Assert.AreEqual(GuestA, tree.GetPermissions(0, "/local/domain/1/control/shutdown").Owner);
        Assert.AreEqual(string.Empty, tree.ReadString(GuestA, "/local/domain/1/control/shutdown"));
    }

    [TestMethod]
    public void OnlyTheOwnerOrDomain0MaySetPermissionsAndOnlyDomain0MayGiveANodeAway()
    {
        var tree = TwoGuests();
        tree.Write(0, "/granted", "x");
        tree.SetPermissions(0, "/granted", NodePermissions.Create(0, StoreAccess.None, new PermissionEntry(GuestA, StoreAccess.Both)));

        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.SetPermissions(GuestA, "/granted", NodePermissions.Create(0, StoreAccess.Both))), "b1 is not ownership");
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.SetPermissions(GuestA, "/local/domain/2", NodePermissions.Create(2, StoreAccess.Both))));

        tree.SetPermissions(GuestA, "/local/domain/1", NodePermissions.Create(GuestA, StoreAccess.None, new PermissionEntry(GuestB, StoreAccess.Read)));
        Assert.AreEqual(StoreError.PermissionDenied, Refusal(() => tree.SetPermissions(GuestA, "/local/domain/1", NodePermissions.Create(GuestB, StoreAccess.None))));
        Assert.AreEqual(string.Empty, tree.ReadString(GuestB, "/local/domain/1"), "A granted B read on its own node");
    }

    [TestMethod]
    public void Domain0MayDoAnythingAndMovesOwnershipBetweenQuotas()
    {
        var tree = TwoGuests();

        Assert.AreEqual("b's", tree.ReadString(0, "/local/domain/2/secret"));
        tree.SetPermissions(0, "/local/domain/2/secret", NodePermissions.Create(GuestA, StoreAccess.None));

        Assert.AreEqual(1, tree.OwnedNodeCount(GuestB));
        Assert.AreEqual(2, tree.OwnedNodeCount(GuestA));
        Assert.AreEqual("b's", tree.ReadString(GuestA, "/local/domain/2/secret"));
        tree.Remove(0, "/local/domain/2");
        Assert.AreEqual(0, tree.OwnedNodeCount(GuestB));
        Assert.AreEqual(1, tree.OwnedNodeCount(GuestA));
    }

    [TestMethod]
    public void AnOwnerMayRemoveItsSubtreeEvenWhereDomain0WroteInsideIt()
    {
        var tree = TwoGuests();
        tree.Write(0, "/local/domain/1/data/x", "from dom0");
        tree.SetPermissions(0, "/local/domain/1/data/x", NodePermissions.Create(0, StoreAccess.None));

        tree.Remove(GuestA, "/local/domain/1/data");

        Assert.IsFalse(tree.Exists("/local/domain/1/data"));
    }

    [TestMethod]
    public async Task OverTheSocketAGuestIsRefusedAnotherGuestsSubtree()
    {
        await using var store = new StoreFixture();
        store.IntroduceDomain(GuestA);
        store.IntroduceDomain(GuestB);
        store.Tree.Write(GuestB, "/local/domain/2/secret", "b's");
        var a = await store.ConnectGuestAsync(GuestA);

        Assert.AreEqual(GuestA, a.Domain);
        var read = await Assert.ThrowsExactlyAsync<StoreException>(() => a.ReadStringAsync("/local/domain/2/secret", StoreFixture.Deadline()));
        Assert.AreEqual("EACCES", read.ErrnoName);
        var write = await Assert.ThrowsExactlyAsync<StoreException>(() => a.WriteAsync("/local/domain/2/secret", "x", StoreFixture.Deadline()));
        Assert.AreEqual("EACCES", write.ErrnoName);
        var perms = await Assert.ThrowsExactlyAsync<StoreException>(() => a.SetPermissionsAsync("/local/domain/2", NodePermissions.Create(GuestA, StoreAccess.Both), StoreFixture.Deadline()));
        Assert.AreEqual("EACCES", perms.ErrnoName);

        await a.WriteAsync("/local/domain/1/mine", "ok", StoreFixture.Deadline());
        Assert.AreEqual("ok", await a.ReadStringAsync("/local/domain/1/mine", StoreFixture.Deadline()));
        Assert.AreEqual(GuestA, (await a.GetPermissionsAsync("/local/domain/1/mine", StoreFixture.Deadline())).Owner);
    }
}
