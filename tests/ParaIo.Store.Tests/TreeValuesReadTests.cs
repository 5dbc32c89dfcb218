using ParaIo.Store.Client;

namespace ParaIo.Store.Tests;

/// <summary>Reading a device directory into private memory, with a multi-queue device's per-queue subdirectories.</summary>
[TestClass]
public sealed class TreeValuesReadTests
{
    [TestMethod]
    public async Task QueueSubdirectoriesAreReadAsRelativePathsAndEmptyLeavesKept()
    {
        await using var fixture = new StoreFixture();
        await using var store = await fixture.ConnectDom0Async();
        var ct = StoreFixture.Deadline();
        await store.WriteAsync("/dev/state", "3", ct);
        await store.WriteAsync("/dev/empty", "", ct);
        await store.WriteAsync("/dev/queue-0/ring-ref", "8", ct);
        await store.WriteAsync("/dev/queue-1/ring-ref", "9", ct);
        await store.WriteAsync("/dev/queue-1/deeper/ignored", "x", ct);

        var flat = await store.ReadChildValuesAsync("/dev", ct);
        var tree = await store.ReadTreeValuesAsync("/dev", depth: 2, ct);

        CollectionAssert.AreEquivalent(new[] { "state", "empty", "queue-0", "queue-1" }, flat.Keys.ToArray());
        CollectionAssert.AreEquivalent(new[] { "state", "empty", "queue-0/ring-ref", "queue-1/ring-ref", "queue-1/deeper" }, tree.Keys.ToArray());
        Assert.AreEqual("9", tree["queue-1/ring-ref"]);
        Assert.AreEqual("", tree["empty"]);
        Assert.AreEqual("", tree["queue-1/deeper"], "below the depth a directory is a plain key");
    }
}
