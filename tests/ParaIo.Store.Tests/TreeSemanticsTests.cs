using ParaIo.Store.Tree;

namespace ParaIo.Store.Tests;

/// <summary>The tree's operations on their own, as domain 0 (permissions are covered elsewhere).</summary>
[TestClass]
public sealed class TreeSemanticsTests
{
    [TestMethod]
    public void WriteCreatesMissingParentsWithEmptyValues()
    {
        var tree = new StoreTree();

        tree.Write(0, "/a/b/c", "leaf");

        Assert.AreEqual("leaf", tree.ReadString(0, "/a/b/c"));
        Assert.AreEqual(string.Empty, tree.ReadString(0, "/a/b"));
        CollectionAssert.AreEqual(new[] { "a" }, tree.Directory(0, "/").ToArray());
        CollectionAssert.AreEqual(new[] { "c" }, tree.Directory(0, "/a/b").ToArray());
        Assert.AreEqual(4, tree.NodeCount);
    }

    [TestMethod]
    public void WriteReplacesTheValueAndKeepsTheChildren()
    {
        var tree = new StoreTree();
        tree.Write(0, "/a/b", "child");

        tree.Write(0, "/a", "one");
        tree.Write(0, "/a", "two");

        Assert.AreEqual("two", tree.ReadString(0, "/a"));
        Assert.AreEqual("child", tree.ReadString(0, "/a/b"));
    }

    [TestMethod]
    public void ValuesAreBytesAndMayBeEmptyOrBinary()
    {
        var tree = new StoreTree();
        byte[] binary = [0, 255, 0, 1];

        tree.Write(0, "/bin", binary);
        tree.Write(0, "/empty", ReadOnlySpan<byte>.Empty);

        CollectionAssert.AreEqual(binary, tree.Read(0, "/bin"));
        Assert.IsEmpty(tree.Read(0, "/empty"));
    }

    [TestMethod]
    public void ReadHandsOutACopyThatCannotChangeTheTree()
    {
        var tree = new StoreTree();
        tree.Write(0, "/v", "abc");

        tree.Read(0, "/v")[0] = (byte)'X';

        Assert.AreEqual("abc", tree.ReadString(0, "/v"));
    }

    [TestMethod]
    public void MkdirCreatesAnEmptyNodeAndLeavesAnExistingOneAlone()
    {
        var tree = new StoreTree();
        tree.Write(0, "/a", "kept");

        tree.Mkdir(0, "/a");
        tree.Mkdir(0, "/x/y");

        Assert.AreEqual("kept", tree.ReadString(0, "/a"));
        Assert.AreEqual(string.Empty, tree.ReadString(0, "/x/y"));
    }

    [TestMethod]
    public void RemoveTakesTheWholeSubtree()
    {
        var tree = new StoreTree();
        tree.Write(0, "/a/b/c", "1");
        tree.Write(0, "/a/d", "2");
        tree.Write(0, "/keep", "3");

        tree.Remove(0, "/a");

        Assert.IsFalse(tree.Exists("/a"));
        Assert.IsFalse(tree.Exists("/a/b/c"));
        Assert.AreEqual("3", tree.ReadString(0, "/keep"));
        Assert.AreEqual(2, tree.NodeCount);
    }

    [TestMethod]
    public void RemovingAMissingNodeIsFineWhenItsParentExistsAndENOENTOtherwise()
    {
        var tree = new StoreTree();
        tree.Mkdir(0, "/a");

        tree.Remove(0, "/a/missing");

        var error = Assert.ThrowsExactly<StoreException>(() => tree.Remove(0, "/nothing/below"));
        Assert.AreEqual("ENOENT", error.ErrnoName);
    }

    [TestMethod]
    public void TheRootCannotBeRemoved()
    {
        var tree = new StoreTree();

        var error = Assert.ThrowsExactly<StoreException>(() => tree.Remove(0, "/"));

        Assert.AreEqual(StoreError.InvalidArgument, error.Error);
    }

    [TestMethod]
    public void ReadingAMissingNodeIsENOENT()
    {
        var tree = new StoreTree();

        var error = Assert.ThrowsExactly<StoreException>(() => tree.Read(0, "/missing"));

        Assert.AreEqual(StoreError.NotFound, error.Error);
        Assert.AreEqual("/missing", error.Path);
    }

    [TestMethod]
    public void DirectoryListsChildrenInOrdinalOrder()
    {
        var tree = new StoreTree();
        foreach (var name in new[] { "b", "a", "C", "10", "2" })
        {
            tree.Mkdir(0, "/d/" + name);
        }

        CollectionAssert.AreEqual(new[] { "10", "2", "C", "a", "b" }, tree.Directory(0, "/d").ToArray());
        Assert.IsEmpty(tree.Directory(0, "/d/a"));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("relative")]
    [DataRow("/trailing/")]
    [DataRow("//double")]
    [DataRow("/a//b")]
    [DataRow("/sp ace")]
    [DataRow("/star*")]
    [DataRow("/a/../b")]
    [DataRow("/./a")]
    [DataRow("/nul\0")]
    [DataRow("/é")]
    public void MalformedPathsAreEINVAL(string path)
    {
        var tree = new StoreTree();

        var error = Assert.ThrowsExactly<StoreException>(() => tree.Write(0, path, "x"));

        Assert.AreEqual(StoreError.InvalidArgument, error.Error);
    }

    [TestMethod]
    public void PathsUseXensAlphabet()
    {
        var tree = new StoreTree();

        tree.Write(0, "/local/domain/7/device/vif/0/back-end_@.x", "ok");

        Assert.AreEqual("ok", tree.ReadString(0, "/local/domain/7/device/vif/0/back-end_@.x"));
    }

    [TestMethod]
    public void PathAndValueLimitsAreE2BIG()
    {
        var tree = new StoreTree();
        var longest = "/" + new string('p', StorePath.MaxLength - 1);

        tree.Write(0, longest, "fits");
        tree.Write(0, "/value", new byte[4096]);

        Assert.AreEqual(StoreError.TooBig, Assert.ThrowsExactly<StoreException>(() => tree.Write(0, longest + "x", "x")).Error);
        Assert.AreEqual(StoreError.TooBig, Assert.ThrowsExactly<StoreException>(() => tree.Write(0, "/value", new byte[4097])).Error);
    }

    [TestMethod]
    public void GenerationsMoveOnChangeAndTheParentsOnChildCreateAndDelete()
    {
        var tree = new StoreTree();
        tree.Write(0, "/p/child", "1");
        var parent = tree.GenerationOf("/p");
        var child = tree.GenerationOf("/p/child");

        tree.Write(0, "/p/child", "2");
        Assert.IsGreaterThan(child, tree.GenerationOf("/p/child"));
        Assert.AreEqual(parent, tree.GenerationOf("/p"), "a child's value is not the parent's business");

        tree.Mkdir(0, "/p/sibling");
        var afterCreate = tree.GenerationOf("/p");
        Assert.IsGreaterThan(parent, afterCreate);

        tree.Remove(0, "/p/sibling");
        Assert.IsGreaterThan(afterCreate, tree.GenerationOf("/p"));

        var beforePerms = tree.GenerationOf("/p/child");
        tree.SetPermissions(0, "/p/child", NodePermissions.Create(0, StoreAccess.Read));
        Assert.IsGreaterThan(beforePerms, tree.GenerationOf("/p/child"));
    }

    [TestMethod]
    public void PermissionListsRoundTripTheirWireForm()
    {
        var permissions = NodePermissions.Create(5, StoreAccess.Read, new PermissionEntry(0, StoreAccess.Both), new PermissionEntry(7, StoreAccess.Write));

        CollectionAssert.AreEqual(new[] { "r5", "b0", "w7" }, permissions.ToWireStrings());
        Assert.IsTrue(NodePermissions.TryParse(["r5", "b0", "w7"], out var parsed));
        Assert.AreEqual(permissions, parsed);
        Assert.IsFalse(NodePermissions.TryParse(["x5"], out _));
        Assert.IsFalse(NodePermissions.TryParse(["r65536"], out _));
        Assert.IsFalse(NodePermissions.TryParse(["r-1"], out _));
        Assert.IsFalse(NodePermissions.TryParse([], out _));
    }
}
