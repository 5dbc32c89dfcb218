using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Store.Server;

namespace ParaIo.Ctl.Tests;

/// <summary><c>device add|remove</c>: what paraioctl sends paraiod, how it shows the answer and a refusal, and its help.</summary>
[TestClass]
public sealed class DeviceHotPlugCommandTests
{
    private readonly List<string[]> _received = [];

    [TestMethod]
    public async Task AddSendsTheSpecAsWrittenAndNamesTheDeviceAdded()
    {
        await using var ctl = new CtlFixture(controlHandler: AnswerAsync);

        var run = await ctl.RunAsync("device", "add", "web", "vbd,disk=data,mode=r");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "device-add", "web", "vbd,disk=data,mode=r" }, _received.Single());
        Assert.AreEqual("Added vbd/1 (vbd:1,disk=data,mode=r) to web.", run.Stdout.Trim());
    }

    [TestMethod]
    public async Task RemoveWithJsonPrintsTheDaemonsResult()
    {
        await using var ctl = new CtlFixture(controlHandler: AnswerAsync);

        var run = await ctl.RunAsync("device", "remove", "web", "vif:0", "--json");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "device-remove", "web", "vif:0" }, _received.Single());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.AreEqual(("web", "vif", 0), (json.RootElement.GetProperty("domain").GetString(), json.RootElement.GetProperty("type").GetString(), json.RootElement.GetProperty("id").GetInt32()));
    }

    [TestMethod]
    public async Task ARefusalIsReportedWithItsErrno()
    {
        await using var ctl = new CtlFixture(controlHandler: AnswerAsync);

        var run = await ctl.RunAsync("device", "remove", "web", "vif:7");

        Assert.AreEqual((1, "paraioctl: domain 'web' has no device vif:7 (ENOENT)"), (run.ExitCode, run.Stderr.Trim()));
    }

    [TestMethod]
    [DataRow("device add", "paraioctl device add web vbd:1,disk=data", "<DEVICE>")]
    [DataRow("device remove", "paraioctl device remove web vif:0", "5 s")]
    public async Task HelpExplainsEachWithAnExample(string command, string example, string mentions)
    {
        await using var ctl = new CtlFixture(controlHandler: AnswerAsync);

        var run = await ctl.RunAsync([.. command.Split(' '), "--help"]);

        Assert.AreEqual(0, run.ExitCode);
        StringAssert.Contains(run.Stdout, example);
        StringAssert.Contains(run.Stdout, mentions);
        StringAssert.Contains(run.Stdout, "--json");
        Assert.AreEqual(0, _received.Count, "help asks the daemon nothing");
    }

    /// <summary>paraiod's answers to the two commands, as ControlService gives them.</summary>
    private ValueTask<string> AnswerAsync(StoreConnectionInfo connection, IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        lock (_received)
        {
            _received.Add([.. arguments]);
        }

        return ValueTask.FromResult((arguments[0], arguments[2]) switch
        {
            ("device-add", var spec) => Ok("vbd", 1, "vbd:1" + spec[spec.IndexOf(',', StringComparison.Ordinal)..]),
            ("device-remove", "vif:0") => Ok("vif", 0, "vif:0"),
            _ => JsonSerializer.Serialize(new { ok = false, error = "ENOENT", message = $"domain '{arguments[1]}' has no device {arguments[2]}" }),
        });

        string Ok(string type, int id, string device) =>
            JsonSerializer.Serialize(new { ok = true, result = new { domain = arguments[1], type, id, device } });
    }
}
