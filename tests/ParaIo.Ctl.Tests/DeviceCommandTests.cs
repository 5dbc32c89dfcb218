using System.Text.Json;

namespace ParaIo.Ctl.Tests;

/// <summary><c>device list</c>: both ends' handshake states by name, filtered by domain, or as JSON.</summary>
[TestClass]
public sealed class DeviceCommandTests
{
    [TestMethod]
    public async Task TheTableNamesXenbusStatesAndAMissingEnd()
    {
        await using var ctl = new CtlFixture();
        Assert.AreEqual(0, (await ctl.RunAsync("domain", "create", "web", "-d", "loop", "-d", "loop")).ExitCode);
        ctl.Tree.Write(0, "/local/domain/1/device/loop/0/state", "4");
        ctl.Tree.Write(0, "/local/domain/0/backend/loop/1/0/state", "4");
        ctl.Tree.Remove(0, "/local/domain/1/device/loop/1/state");

        var run = await ctl.RunAsync("device", "list");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var first = run.Lines.Single(l => l.Contains(" loop/0 ", StringComparison.Ordinal));
        var second = run.Lines.Single(l => l.Contains(" loop/1 ", StringComparison.Ordinal));
        StringAssert.Matches(first, new System.Text.RegularExpressions.Regex(@"Connected \(4\)\s+\S\s+Connected \(4\)"));
        StringAssert.Matches(second, new System.Text.RegularExpressions.Regex(@"missing\s+\S\s+InitWait \(2\)"));
        StringAssert.Contains(first, "/local/domain/1/device/loop/0");
        StringAssert.Contains(first, "/local/domain/0/backend/loop/1/0");
    }

    [TestMethod]
    public async Task DomainFiltersAndJsonKeepsTheNumbers()
    {
        await using var ctl = new CtlFixture();
        Assert.AreEqual(0, (await ctl.RunAsync("domain", "create", "web", "-d", "loop")).ExitCode);
        Assert.AreEqual(0, (await ctl.RunAsync("domain", "create", "db", "-d", "loop:7")).ExitCode);

        var run = await ctl.RunAsync("device", "list", "--domain", "db", "--json");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "device-list", "db" }, ctl.Daemon.Received[^1]);
        using var json = JsonDocument.Parse(run.Stdout);
        var device = json.RootElement.EnumerateArray().Single();
        Assert.AreEqual(("db", 7, 1, 2), (device.GetProperty("domain").GetString(), device.GetProperty("id").GetInt32(),
            device.GetProperty("frontendState").GetInt32(), device.GetProperty("backendState").GetInt32()));
    }

    [TestMethod]
    public async Task NoDevicesAndAnUnknownDomain()
    {
        await using var ctl = new CtlFixture();

        var none = await ctl.RunAsync("device", "list");
        var unknown = await ctl.RunAsync("device", "list", "--domain", "web");

        Assert.AreEqual((0, "No devices."), (none.ExitCode, none.Stdout.Trim()));
        Assert.AreEqual((1, "paraioctl: no domain named 'web' (ENOENT)"), (unknown.ExitCode, unknown.Stderr.Trim()));
    }
}
