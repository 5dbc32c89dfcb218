using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// The README's first command, <c>paraio-load demo</c>, run short: its ring part streams requests
/// through a peer backend, and its disk part writes, flushes and reads back a guest's disk through
/// real paraiod and paraio-guest processes, every sector checked. No root needed.
/// </summary>
[TestClass]
public sealed partial class ReadmeDemoTests
{
    [TestMethod]
    public void TheDemoStreamsTheRingThenWritesAndReadsBackAGuestsDisk()
    {
        using var demo = ChildProcess.Start("paraio-load", null, "demo", "--seconds", "1", "--disk-seconds", "1");

        Assert.AreEqual(0, demo.WaitForExit(TimeSpan.FromSeconds(120)), demo.Output);
        var output = demo.Output;
        Assert.IsTrue(Positive(RequestsPerSecond(), output), $"the ring part reports requests/s: {output}");
        foreach (var phase in new[] { "write 256K", "read 256K", "read 4K rand" })
        {
            Assert.IsTrue(Positive(new Regex($"phase={phase}  mb_per_s=([0-9,.]+)"), output), $"the disk part reports MB/s for '{phase}': {output}");
        }

        StringAssert.Contains(output, "phase=FLUSH");
        var verified = CheckedMiB().Match(output);
        Assert.IsTrue(verified.Success && long.Parse(verified.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0, $"data was read back and checked: {output}");
    }

    private static bool Positive(Regex pattern, string output) =>
        pattern.Matches(output).Any(m => double.Parse(m.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture) > 0);

    [GeneratedRegex("requests_per_s=([0-9,.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"([0-9,]+) MiB read back and checked sector by sector")]
    private static partial Regex CheckedMiB();
}
