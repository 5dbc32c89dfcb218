using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Domains;
using ParaIo.Frontend.Agent;
using ParaIo.Frontend.Loop;
using ParaIo.Store.Tree;
using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Tests.HotPlug;

/// <summary>
/// Devices added to and removed from a domain whose guest runs: the backend half
/// (<see cref="DomainManager"/>) and a real <see cref="GuestAgent"/> in one process, over a real store.
/// </summary>
[TestClass]
public sealed class HotPlugTests
{
    [TestMethod]
    public async Task ADeviceAddedToARunningGuestConnectsOnBothSides()
    {
        await using var rig = await HotPlugRig.StartAsync(removalTimeout: HotPlugRig.Patience);
        var web = await rig.Manager.CreateDomainAsync("web", ["loop"], CancellationToken.None);
        var guest = rig.StartGuest(web);
        await rig.WaitConnectedAsync(web.DomainId, "loop", 0);

        var added = await rig.Manager.AddDeviceAsync("web", new DeviceSpec("loop", -1), CancellationToken.None);

        Assert.AreEqual(new DeviceSpec("loop", 1), added, "the lowest id the type leaves free");
        await rig.WaitConnectedAsync(web.DomainId, "loop", 1);
        CollectionAssert.AreEqual(new[] { new GuestDevice("loop", 1) }, guest.Added.ToArray(), "the agent reports the new device, not the one it started with");
        var device = (LoopbackFrontendDevice)guest.Agent.FindDevice("loop", 1)!;
        Assert.IsTrue(device.RoundTrip(0xC0FFEE), "a request crosses the new device's ring");
        Assert.AreEqual(2, rig.Manager.MappedGrants(web.DomainId), "one ring page mapped a device");

        // Permissions as at creation: the guest owns its end; the backend's is dom0's, readable by the guest alone.
        Assert.AreEqual((ushort)web.DomainId, (await rig.Store.GetPermissionsAsync(XenbusPaths.FrontendDirectory(web.DomainId, "loop", 1))).Owner);
        Assert.AreEqual(
            NodePermissions.Create(0, StoreAccess.None, new PermissionEntry((ushort)web.DomainId, StoreAccess.Read)),
            await rig.Store.GetPermissionsAsync(XenbusPaths.BackendDirectory(web.DomainId, "loop", 1)));
        CollectionAssert.AreEqual(new[] { new DeviceSpec("loop", 0), new DeviceSpec("loop", 1) }, new DomainRegistry(rig.StateFile).Find("web")!.Devices.ToArray(), "the new list is persisted");
    }

    [TestMethod]
    public async Task ARemovedDeviceIsClosedByTheGuestAndLeavesNothingBehind()
    {
        await using var rig = await HotPlugRig.StartAsync(removalTimeout: HotPlugRig.Patience);
        var web = await rig.Manager.CreateDomainAsync("web", ["loop", "loop"], CancellationToken.None);
        var guest = rig.StartGuest(web);
        await rig.WaitConnectedAsync(web.DomainId, "loop", 0);
        await rig.WaitConnectedAsync(web.DomainId, "loop", 1);
        Assert.AreEqual(2, rig.Manager.MappedGrants(web.DomainId));

        var clock = Stopwatch.StartNew();
        var removed = await rig.Manager.RemoveDeviceAsync("web", "loop", 1, CancellationToken.None);

        Assert.IsTrue(clock.Elapsed < HotPlugRig.Patience, "the guest answered: the removal did not have to wait out its timeout");
        Assert.AreEqual(new DeviceSpec("loop", 1), removed);
        Assert.AreEqual(XenbusState.Closed, guest.States.Last(c => c.Id == 1).State, "the frontend said Closed");
        CollectionAssert.AreEqual(new[] { new GuestDevice("loop", 1) }, guest.Removed.ToArray());
        Assert.IsNull(guest.Agent.FindDevice("loop", 1));
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.FrontendDirectory(web.DomainId, "loop", 1)), "frontend directory removed");
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.BackendDirectory(web.DomainId, "loop", 1)), "backend directory removed");
        Assert.AreEqual(1, rig.Manager.MappedGrants(web.DomainId), "the removed device's ring is unmapped; the other's stays");
        Assert.IsTrue(((LoopbackFrontendDevice)guest.Agent.FindDevice("loop", 0)!).RoundTrip(7), "the other device carries on");
        CollectionAssert.AreEqual(new[] { new DeviceSpec("loop", 0) }, new DomainRegistry(rig.StateFile).Find("web")!.Devices.ToArray());

        // Added again under the same id, it connects afresh.
        await rig.Manager.AddDeviceAsync("web", new DeviceSpec("loop", 1), CancellationToken.None);
        await rig.WaitConnectedAsync(web.DomainId, "loop", 1);
        Assert.AreEqual(2, guest.Added.Count(d => d == new GuestDevice("loop", 1)) + guest.Removed.Count(d => d == new GuestDevice("loop", 1)));
    }

    [TestMethod]
    public async Task AGuestThatIgnoresTheRemovalCannotHoldItUp()
    {
        var timeout = TimeSpan.FromSeconds(1);
        await using var rig = await HotPlugRig.StartAsync(timeout);
        var web = await rig.Manager.CreateDomainAsync("web", ["loop"], CancellationToken.None);
        await using var guest = await SilentGuest.ConnectAsync(rig.SocketPath, web, 0);
        Assert.AreEqual(1, rig.Manager.MappedGrants(web.DomainId));

        var clock = Stopwatch.StartNew();
        await rig.Manager.RemoveDeviceAsync("web", "loop", 0, CancellationToken.None).WaitAsync(HotPlugRig.Patience);

        Assert.IsTrue(clock.Elapsed >= timeout * 0.9, $"the backend waited for the frontend ({clock.Elapsed.TotalMilliseconds:0} ms)");
        Assert.AreEqual(0, rig.Manager.MappedGrants(web.DomainId), "the ring is unmapped anyway");
        guest.ReleaseDevice(); // a GrantAccessException here: the backend still maps the ring
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.FrontendDirectory(web.DomainId, "loop", 0)), "frontend directory removed");
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.BackendDirectory(web.DomainId, "loop", 0)), "backend directory removed");
        Assert.AreEqual(DomainStatus.Connected, rig.Manager.ListDomains().Single().Status, "the guest itself stays attached");
    }

    [TestMethod]
    public async Task ChangesWhileNoGuestRunsWaitForNobodyAndShowWhenItConnects()
    {
        await using var rig = await HotPlugRig.StartAsync(removalTimeout: HotPlugRig.Patience);
        var web = await rig.Manager.CreateDomainAsync("web", ["loop"], CancellationToken.None);

        var clock = Stopwatch.StartNew();
        await rig.Manager.RemoveDeviceAsync("web", "loop", 0, CancellationToken.None);
        Assert.IsTrue(clock.Elapsed < HotPlugRig.Patience, "no guest to answer: the removal does not wait");
        await rig.Manager.AddDeviceAsync("web", new DeviceSpec("loop", 3), CancellationToken.None);
        var guest = rig.StartGuest(web);

        await rig.WaitConnectedAsync(web.DomainId, "loop", 3);
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.FrontendDirectory(web.DomainId, "loop", 0)));
        Assert.IsTrue(guest.Added.IsEmpty && guest.Removed.IsEmpty, "the devices a guest starts with are not hot-plug events");
    }

    [TestMethod]
    public async Task ADuplicateIdOrAnUnknownTypeIsRefusedAndChangesNothing()
    {
        await using var rig = await HotPlugRig.StartAsync(removalTimeout: HotPlugRig.Patience);
        var web = await rig.Manager.CreateDomainAsync("web", ["loop"], CancellationToken.None);
        _ = rig.StartGuest(web);
        await rig.WaitConnectedAsync(web.DomainId, "loop", 0);

        var duplicate = await Assert.ThrowsExactlyAsync<ArgumentException>(() => rig.Manager.AddDeviceAsync("web", new DeviceSpec("loop", 0), CancellationToken.None));
        StringAssert.Contains(duplicate.Message, "loop:0 already");
        var unknown = await Assert.ThrowsExactlyAsync<ArgumentException>(() => rig.Manager.AddDeviceAsync("web", new DeviceSpec("vif", 0), CancellationToken.None));
        StringAssert.Contains(unknown.Message, "No driver for device type 'vif'");
        await Assert.ThrowsExactlyAsync<ArgumentException>(() => rig.Manager.ChangeDevicesAsync("web", d => [.. d, .. d], CancellationToken.None));
        await Assert.ThrowsExactlyAsync<KeyNotFoundException>(() => rig.Manager.RemoveDeviceAsync("web", "loop", 5, CancellationToken.None));

        CollectionAssert.AreEqual(new[] { new DeviceSpec("loop", 0) }, rig.Manager.Records.Single().Devices.ToArray());
        CollectionAssert.AreEqual(new[] { new DeviceSpec("loop", 0) }, new DomainRegistry(rig.StateFile).Find("web")!.Devices.ToArray());
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.BackendDirectory(web.DomainId, "vif", 0)));
        Assert.AreEqual((XenbusState.Connected, XenbusState.Connected), await rig.StatesAsync(web.DomainId, "loop", 0), "the running device was not touched");
    }

    [TestMethod]
    public async Task ADomainBeingDestroyedTakesNoChanges()
    {
        await using var rig = await HotPlugRig.StartAsync(removalTimeout: TimeSpan.FromSeconds(1));
        var web = await rig.Manager.CreateDomainAsync("web", ["loop", "loop"], CancellationToken.None);
        await using var guest = await SilentGuest.ConnectAsync(rig.SocketPath, web, 1);

        // A removal the silent guest holds for its full timeout keeps the domain's change lock;
        // an add queues behind it, then the operator destroys the domain.
        var removal = rig.Manager.RemoveDeviceAsync("web", "loop", 1, CancellationToken.None);
        await HotPlugRig.WaitUntilAsync(async () => (await rig.StatesAsync(web.DomainId, "loop", 1)).Backend == XenbusState.Closing, "the removal under way");
        var queued = rig.Manager.AddDeviceAsync("web", new DeviceSpec("loop", 2), CancellationToken.None);
        var destroy = rig.Manager.DestroyDomainAsync("web", rig.Disconnect, CancellationToken.None);
        var late = await Assert.ThrowsExactlyAsync<KeyNotFoundException>(() => rig.Manager.AddDeviceAsync("web", new DeviceSpec("loop", 3), CancellationToken.None));

        await removal.WaitAsync(HotPlugRig.Patience);
        await destroy.WaitAsync(HotPlugRig.Patience);
        var refused = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => queued.WaitAsync(HotPlugRig.Patience));
        StringAssert.Contains(refused.Message, "being destroyed");
        StringAssert.Contains(late.Message, "no domain named 'web'");
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.BackendDirectory(web.DomainId, "loop", 2)), "the queued add published nothing");
        Assert.IsNull(await rig.Store.TryReadStringAsync(XenbusPaths.Domain(web.DomainId)), "the domain's nodes are gone");
        Assert.AreEqual(0, rig.Manager.Records.Count);
    }
}
