using System.Text.Json;

namespace ParaIo.Ctl.Tests;

/// <summary><c>domain create|list|destroy</c> against a daemon that keeps the control contract.</summary>
[TestClass]
public sealed class DomainCommandTests
{
    [TestMethod]
    public async Task CreatePrintsTheDomainItsTokenAndTheGuestCommandLine()
    {
        await using var ctl = new CtlFixture();

        var run = await ctl.RunAsync("domain", "create", "web", "--device", "loop", "-d", "loop:3");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "domain-create", "web", "loop", "loop:3" }, ctl.Daemon.Received.Single());
        var token = TokenOf(run);
        Assert.AreEqual(ctl.Daemon.TokenOf("web"), token);
        Assert.AreEqual("Created domain web (domid 1).", run.Lines[0]);
        Assert.AreEqual("  devices  loop 0, loop 3", run.Lines[2]);
        Assert.AreEqual($"  paraio-guest --name web --token {token}", run.Lines[^1], "the last line is the command to copy");
        Assert.AreEqual(string.Empty, run.Stderr);
    }

    [TestMethod]
    public async Task CreateWithJsonPrintsTheResultObjectOnly()
    {
        await using var ctl = new CtlFixture();

        var run = await ctl.RunAsync("domain", "create", "db", "--json");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.AreEqual("db", json.RootElement.GetProperty("name").GetString());
        Assert.AreEqual(1, json.RootElement.GetProperty("domid").GetInt32());
        Assert.AreEqual(32, json.RootElement.GetProperty("token").GetString()!.Length);
        Assert.AreEqual(0, json.RootElement.GetProperty("devices").GetArrayLength());
        Assert.IsFalse(json.RootElement.TryGetProperty("ok", out _), "the result, not the envelope");
    }

    [TestMethod]
    public async Task AGuestNameThatNeedsQuotingIsQuotedForTheShell()
    {
        await using var ctl = new CtlFixture();

        var run = await ctl.RunAsync("domain", "create", "it's web");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.StartsWith(run.Lines[^1], @"  paraio-guest --name 'it'\''s web' --token ");
    }

    [TestMethod]
    public async Task ListRendersATableAndJson()
    {
        await using var ctl = new CtlFixture();
        Assert.AreEqual(0, (await ctl.RunAsync("domain", "create", "web", "-d", "loop")).ExitCode);
        Assert.AreEqual(0, (await ctl.RunAsync("domain", "create", "db", "-d", "loop", "-d", "loop")).ExitCode);

        var table = await ctl.RunAsync("domain", "list");
        var json = await ctl.RunAsync("domain", "list", "--json");

        Assert.AreEqual(0, table.ExitCode, table.ToString());
        var header = table.Lines.Single(l => l.Contains("Name", StringComparison.Ordinal));
        foreach (var column in new[] { "Domid", "State", "Devices" })
        {
            StringAssert.Contains(header, column);
        }

        var db = table.Lines.Single(l => l.Contains(" db ", StringComparison.Ordinal));
        StringAssert.Matches(db, new System.Text.RegularExpressions.Regex(@"db\s+\S\s+2\s+\S\s+created\s+\S\s+2"));
        Assert.AreEqual(0, json.ExitCode, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        CollectionAssert.AreEquivalent(new[] { "web", "db" }, document.RootElement.EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToArray());
    }

    [TestMethod]
    public async Task ListWithNoDomainsSaysSo()
    {
        await using var ctl = new CtlFixture();

        var run = await ctl.RunAsync("domain", "list");
        var json = await ctl.RunAsync("domain", "list", "--json");

        Assert.AreEqual("No domains.", run.Stdout.Trim());
        Assert.AreEqual("[]", json.Stdout.Trim());
    }

    [TestMethod]
    public async Task DestroyReportsTheDomainAndARefusalIsExitOneWithTheDaemonsMessage()
    {
        await using var ctl = new CtlFixture();
        Assert.AreEqual(0, (await ctl.RunAsync("domain", "create", "web")).ExitCode);

        var destroyed = await ctl.RunAsync("domain", "destroy", "web");
        var again = await ctl.RunAsync("domain", "destroy", "web");
        var json = await ctl.RunAsync("domain", "destroy", "web", "--json");

        Assert.AreEqual(0, destroyed.ExitCode, destroyed.ToString());
        Assert.AreEqual("Destroyed domain web (domid 1).", destroyed.Stdout.Trim());
        Assert.AreEqual(1, again.ExitCode, again.ToString());
        Assert.AreEqual("paraioctl: no domain named 'web' (ENOENT)", again.Stderr.Trim());
        Assert.AreEqual(string.Empty, again.Stdout);
        Assert.AreEqual((1, string.Empty), (json.ExitCode, json.Stdout), "a refusal prints no JSON");
    }

    [TestMethod]
    public async Task ARefusedCreateIsExitOne()
    {
        await using var ctl = new CtlFixture();
        Assert.AreEqual(0, (await ctl.RunAsync("domain", "create", "web")).ExitCode);

        var run = await ctl.RunAsync("domain", "create", "web");

        Assert.AreEqual(1, run.ExitCode);
        Assert.AreEqual("paraioctl: a domain named 'web' exists (EEXIST)", run.Stderr.Trim());
    }

    [TestMethod]
    [DataRow("loop:x")]
    [DataRow(":1")]
    [DataRow("lo op")]
    [DataRow("loop:-1")]
    public async Task AMalformedDeviceIsAUsageErrorAndNothingIsSent(string device)
    {
        await using var ctl = new CtlFixture();

        var run = await ctl.RunAsync("domain", "create", "web", "--device", device);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, $"'{device}' is not a device");
        StringAssert.Contains(run.Stderr, "Try 'paraioctl domain create --help'.");
        Assert.IsEmpty(ctl.Daemon.Received);
    }

    private static string TokenOf(CtlRun run)
    {
        var line = run.Lines.Single(l => l.TrimStart().StartsWith("token", StringComparison.Ordinal));
        return line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
    }
}
