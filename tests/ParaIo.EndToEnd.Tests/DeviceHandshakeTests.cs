using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.EndToEnd.Tests;

/// <summary>The device handshake across real processes: paraiod and paraio-guest.</summary>
[TestClass]
public sealed class DeviceHandshakeTests
{
    private const int Connected = 4;
    private const int Closed = 6;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AGuestBringsEveryDeviceToConnectedOnBothEnds()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("web", "loop", "loop:1");

        var clock = Stopwatch.StartNew();
        using var guest = daemon.StartGuest("web", token);
        var took = await daemon.WaitForDevicesAsync("web", Connected, Connected);
        TestContext.WriteLine($"guest start to all devices Connected: {clock.Elapsed.TotalMilliseconds:F0} ms (after the first poll: {took.TotalMilliseconds:F0} ms)");

        // The guest proves the ring works on each device with one round trip.
        guest.WaitForLine("\"selftest\",\"type\":\"loop\",\"id\":0,\"ok\":true", Paraiod.Patience);
        guest.WaitForLine("\"selftest\",\"type\":\"loop\",\"id\":1,\"ok\":true", Paraiod.Patience);
        var domain = (await daemon.ControlAsync("domain-list")).EnumerateArray().Single();
        Assert.AreEqual("connected", domain.GetProperty("state").GetString());
        Assert.IsGreaterThan(0, domain.GetProperty("mappedGrants").GetInt32(), "the backend maps the rings of connected devices");
    }

    [TestMethod]
    public async Task KillingTheGuestTearsItsDevicesDownAndFreesItsGrants()
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("db", "loop");
        using (var guest = daemon.StartGuest("db", token))
        {
            await daemon.WaitForDevicesAsync("db", Connected, Connected);
            guest.Kill();
        }

        await daemon.WaitForDevicesAsync("db", Closed, Closed);
        var domain = (await daemon.ControlAsync("domain-list")).EnumerateArray().Single();
        Assert.AreEqual("disconnected", domain.GetProperty("state").GetString());
        Assert.AreEqual(0, domain.GetProperty("mappedGrants").GetInt32(), "every grant of the dead guest is unmapped");

        // The domain outlives its guest: a new guest with the same token connects again.
        using var again = daemon.StartGuest("db", token);
        await daemon.WaitForDevicesAsync("db", Connected, Connected);
        again.WaitForLine("\"ok\":true", Paraiod.Patience);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "SIGTERM")]
    [DataRow(true, DisplayName = "kill -9")]
    public async Task RestartingParaiodBringsEveryDeviceBackToConnectedByItself(bool crash)
    {
        await using var daemon = await Paraiod.StartAsync();
        var (_, token) = await daemon.CreateDomainAsync("app", "loop", "loop:1");
        using var guest = daemon.StartGuest("app", token);
        await daemon.WaitForDevicesAsync("app", Connected, Connected);
        guest.WaitForLine("\"session\"", Paraiod.Patience);

        var clock = Stopwatch.StartNew();
        await daemon.RestartAsync(crash);
        await daemon.WaitForDevicesAsync("app", Connected, Connected);
        TestContext.WriteLine($"paraiod {(crash ? "kill -9" : "SIGTERM")} to all devices Connected again: {clock.Elapsed.TotalMilliseconds:F0} ms");

        // The same guest process reconnected by itself: a second session, with working rings.
        guest.WaitForLine("\"session\"", Paraiod.Patience, occurrence: 2);
        guest.WaitForLine("\"selftest\",\"type\":\"loop\",\"id\":1,\"ok\":true", Paraiod.Patience, occurrence: 2);
        Assert.IsFalse(guest.HasExited);
    }
}
