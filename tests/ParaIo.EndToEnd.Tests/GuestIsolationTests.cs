using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.RingBuffer.Grants;
using ParaIo.Store;
using ParaIo.Store.Client;

namespace ParaIo.EndToEnd.Tests;

/// <summary>What a guest may and may not do to paraiod and to other guests.</summary>
[TestClass]
public sealed class GuestIsolationTests
{
    [TestMethod]
    public async Task AGuestWithAWrongTokenIsRefusedWithAClearMessage()
    {
        await using var daemon = await Paraiod.StartAsync();
        await daemon.CreateDomainAsync("web", "loop");

        using var guest = daemon.StartGuest("web", "not-the-token");

        Assert.AreEqual(1, guest.WaitForExit(Paraiod.Patience));
        StringAssert.Contains(guest.Output, "refused domain 'web'");
    }

    [TestMethod]
    public async Task AGuestCannotClaimAnotherGuestsDomain()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, tokenA) = await daemon.CreateDomainAsync("a", "loop");
        await daemon.CreateDomainAsync("b", "loop");

        using var impostor = daemon.StartGuest("b", tokenA);

        Assert.AreEqual(1, impostor.WaitForExit(Paraiod.Patience));
        var b = (await daemon.ControlAsync("domain-list")).EnumerateArray().Single(d => d.GetProperty("name").GetString() == "b");
        Assert.AreEqual("created", b.GetProperty("state").GetString());
    }

    [TestMethod]
    public async Task AGuestCannotConnectTwiceToTheSameDomain()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("web", "loop");
        using var first = daemon.StartGuest("web", token);
        await daemon.WaitForDevicesAsync("web", 4, 4);

        using var second = daemon.StartGuest("web", token);

        Assert.AreEqual(1, second.WaitForExit(Paraiod.Patience));
        Assert.IsFalse(first.HasExited);
    }

    [TestMethod]
    public async Task AGuestReadsItsOwnSubtreeAndItsBackendButNotAnotherGuests()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (a, tokenA) = await daemon.CreateDomainAsync("a", "loop");
        var (b, _) = await daemon.CreateDomainAsync("b", "loop");
        using var pool = GrantPool.Create(64);
        await using var guest = await StoreClient.ConnectAsync(daemon.SocketPath, "a", tokenA, [pool.FileDescriptor]);

        Assert.AreEqual(a, guest.Domain);
        Assert.AreEqual("a", await guest.ReadStringAsync($"/local/domain/{a}/name"));
        Assert.AreEqual("2", await guest.ReadStringAsync($"/local/domain/0/backend/loop/{a}/0/state"), "its backend is waiting for it (InitWait)");
        var other = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.ReadStringAsync($"/local/domain/{b}/name"));
        Assert.AreEqual(StoreError.PermissionDenied, other.Error);
        var otherBackend = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.ReadStringAsync($"/local/domain/0/backend/loop/{b}/0/state"));
        Assert.AreEqual(StoreError.PermissionDenied, otherBackend.Error);
        var write = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.WriteAsync($"/local/domain/0/backend/loop/{a}/0/state", "4"));
        Assert.AreEqual(StoreError.PermissionDenied, write.Error);
        var control = await Assert.ThrowsExactlyAsync<StoreException>(() => guest.ControlAsync(["domain-list"]));
        Assert.AreEqual(StoreError.PermissionDenied, control.Error);
    }

    [TestMethod]
    public async Task ADestroyedDomainsIdIsReusedOnlyAfterItsTeardown()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (first, token) = await daemon.CreateDomainAsync("old", "loop");
        using var guest = daemon.StartGuest("old", token);
        await daemon.WaitForDevicesAsync("old", 4, 4);

        var destroyed = await daemon.ControlAsync("domain-destroy", "old");
        var (second, _) = await daemon.CreateDomainAsync("new", "loop");

        Assert.AreEqual(first, destroyed.GetProperty("domid").GetInt32());
        Assert.AreEqual(first, second, "the id is free again once the destroy has returned");
        Assert.AreEqual(1, (await daemon.ControlAsync("domain-list")).GetArrayLength());
    }

    [TestMethod]
    public async Task AGuestWhoseDomainIsDestroyedStopsTryingAndSaysWhy()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("old", "loop");
        using var guest = daemon.StartGuest("old", token, "--give-up-after", "1");
        await daemon.WaitForDevicesAsync("old", 4, 4);
        var clock = Stopwatch.StartNew();

        await daemon.ControlAsync("domain-destroy", "old");

        Assert.AreEqual(1, guest.WaitForExit(Paraiod.Patience), guest.Output);
        Assert.IsLessThan(TimeSpan.FromSeconds(10), clock.Elapsed, "gave up after about the second it was given");
        StringAssert.Contains(guest.Output, "paraio-guest: paraiod no longer accepts domain 'old' (refused for 1 s): it was destroyed, or paraiod lost its state.");
        StringAssert.Contains(guest.Output, "\"event\":\"refused\"");
    }

    [TestMethod]
    public async Task AGuestRidesOutARefusalShorterThanItsPatience()
    {
        // The control: a refusal that ends (the daemon, restarted with the domain, accepts again)
        // within the guest's patience is waited out, not given up on.
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("web", "loop");
        using var guest = daemon.StartGuest("web", token, "--give-up-after", "30");
        await daemon.WaitForDevicesAsync("web", 4, 4);
        using var pool = GrantPool.Create(64);

        // paraiod restarts while the guest is paused, and another client takes the domain before
        // the guest runs again: the guest is refused until that client leaves.
        guest.Pause();
        await daemon.RestartAsync(crash: true);
        await using (var squatter = await StoreClient.ConnectAsync(daemon.SocketPath, "web", token, [pool.FileDescriptor]))
        {
            guest.Resume();
            daemon.Process.WaitForLine("refused: domain 'web' already has a guest attached", Paraiod.Patience, occurrence: 2);
        }

        await daemon.WaitForDevicesAsync("web", 4, 4);
        Assert.IsFalse(guest.HasExited, guest.Output);
    }

    [TestMethod]
    public async Task OfTwoGuestsRacingForOneDomainExactlyOneGetsIn()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (domid, token) = await daemon.CreateDomainAsync("web", "loop");
        using var poolA = GrantPool.Create(64);
        using var poolB = GrantPool.Create(64);

        var attempts = await Task.WhenAll(
            TryConnectAsync(daemon.SocketPath, token, poolA),
            TryConnectAsync(daemon.SocketPath, token, poolB));

        Assert.AreEqual(1, attempts.Count(c => c is not null), "exactly one of two simultaneous guests is accepted");
        var winner = attempts.Single(c => c is not null)!;
        Assert.AreEqual(domid, winner.Domain);
        await winner.DisposeAsync();
    }

    [TestMethod]
    public async Task AGuestRestartedAtOnceAfterKill9IsLetIn()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("web", "loop");
        using (var first = daemon.StartGuest("web", token))
        {
            await daemon.WaitForDevicesAsync("web", 4, 4);
            first.Kill();
        }

        // No waiting for the teardown: the daemon must not refuse the new guest as "already attached".
        using var second = daemon.StartGuest("web", token);
        second.WaitForLine("\"selftest\",\"type\":\"loop\",\"id\":0,\"ok\":true", Paraiod.Patience);
        await daemon.WaitForDevicesAsync("web", 4, 4);
    }

    [TestMethod]
    public async Task DevicesWithoutAnIdTakeTheLowestFreeOne()
    {
        await using var daemon = await Paraiod.StartAsync();

        var created = await daemon.ControlAsync("domain-create", "web", "loop:1", "loop", "loop");

        CollectionAssert.AreEqual(new[] { 1, 0, 2 }, created.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("id").GetInt32()).ToArray());
    }

    private static async Task<StoreClient?> TryConnectAsync(string socket, string token, GrantPool pool)
    {
        try
        {
            return await StoreClient.ConnectAsync(socket, "web", token, [pool.FileDescriptor]);
        }
        catch (StoreException e) when (e.Error == StoreError.PermissionDenied)
        {
            return null;
        }
    }
}
