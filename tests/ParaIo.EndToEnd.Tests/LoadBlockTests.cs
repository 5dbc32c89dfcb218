using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// <c>paraio-load blk</c> as a load tester runs it, short: every target measured, each job in
/// several rounds, the row being the median round and the ratio and target verdict following
/// from the rows. Needs fio and nbdkit, as the tool does.
/// </summary>
[TestClass]
public sealed class LoadBlockTests
{
    [TestMethod]
    public void RoundsReportTheMedianRoundAndRatiosFollowFromIt()
    {
        if (!OnPath("fio") || !OnPath("nbdkit"))
        {
            Assert.Inconclusive("needs fio and nbdkit: apt-get install fio nbdkit");
        }

        using var load = ChildProcess.Start("paraio-load", null, "blk", "--job", "randread-4k-qd1", "--rounds", "3", "--duration", "1", "--warmup", "0", "--size", "64M", "--json");

        Assert.AreEqual(0, load.WaitForExit(TimeSpan.FromMinutes(3)), load.Output);
        var json = string.Join('\n', load.Output.Split('\n').Where(line => !line.StartsWith("stderr: ", StringComparison.Ordinal)));
        using var report = JsonDocument.Parse(json);
        Assert.AreEqual(3, report.RootElement.GetProperty("rounds").GetInt32());
        var targets = report.RootElement.GetProperty("jobs")[0].GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("target").GetString()!);
        CollectionAssert.AreEquivalent(new[] { "paraio", "nbdkit", "file" }, targets.Keys.ToArray());
        foreach (var (name, target) in targets)
        {
            var rounds = target.GetProperty("roundIops").EnumerateArray().Select(r => r.GetDouble()).Order().ToArray();
            Assert.HasCount(3, rounds, name);
            Assert.AreEqual(rounds[1], Iops(target), $"{name}: the row is the median round");
        }

        var ratio = Iops(targets["paraio"]) / Iops(targets["nbdkit"]);
        Assert.AreEqual(ratio, targets["paraio"].GetProperty("iopsOverNbdkit").GetDouble(), 1e-9);
        Assert.AreEqual(ratio >= 0.8, targets["paraio"].GetProperty("met").GetBoolean());
    }

    private static double Iops(JsonElement target) => target.GetProperty("figures").GetProperty("iops").GetDouble();

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(directory => File.Exists(Path.Combine(directory, program)));
}
