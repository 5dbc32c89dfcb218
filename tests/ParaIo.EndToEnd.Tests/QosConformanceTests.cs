using System.Globalization;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// A vNIC's service level under saturating load, end to end: a real paraiod, paraio-guest
/// processes in network namespaces of their own, iperf3 TCP flows from a guest whose vif is bound
/// to a vNIC (<c>vif,vnic=NAME</c>) to a server guest on the same bridge, and the rates the
/// receiver measured over the steady part (the first seconds omitted). Every rate is held to
/// ±5 % of what was configured by <see cref="RateCheck"/>, and every test runs that check on a
/// control it must reject. Needs root.
/// </summary>
[TestClass]
public sealed class QosConformanceTests
{
    private const double Mbps = 1e6;
    private const int FlowPort = 5201;
    private const int SapPort = 3200;
    private const int ExchangePort = 443;
    private const int BackupPort = 10000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AVnicLimitedTo100MbpsDeliversItWithin5PercentAndTheCheckRejectsItUnderAHigherCeiling()
    {
        ExternalTool.Require("iperf3", "iperf3");
        await using var rig = await NetworkRig.StartAsync();
        await rig.Daemon.ControlAsync("vnic-create", "web0", "nic0/0", "rate=100M", "ceil=100M");
        var server = await rig.StartGuestAsync("server", 1);
        var client = await rig.StartGuestAsync("client", 2, ",vnic=web0");

        var shaped = await SaturatedAsync(() => Iperf3Flow.RunAsync(client, server, FlowPort, seconds: 6, omit: 2), rate => rate, 100 * Mbps);

        TestContext.WriteLine($"vNIC 100/100 Mb/s: {RateCheck.Describe(shaped, 100 * Mbps)}");
        Assert.IsTrue(RateCheck.IsWithin(shaped, 100 * Mbps), RateCheck.Describe(shaped, 100 * Mbps));

        // Control: the same vNIC with a 200 Mb/s ceiling borrows the port's spare up to it.
        await rig.Daemon.ControlAsync("vnic-set", "web0", "ceil=200M");
        var borrowing = await Iperf3Flow.RunAsync(client, server, FlowPort, seconds: 3, omit: 1);

        TestContext.WriteLine($"control, ceiling 200 Mb/s: {RateCheck.Describe(borrowing, 100 * Mbps)}");
        Assert.IsFalse(RateCheck.IsWithin(borrowing, 100 * Mbps), "the check rejects a vNIC that is not held to 100 Mb/s: " + RateCheck.Describe(borrowing, 100 * Mbps));
    }

    [TestMethod]
    public async Task ThePapersClassesGetTheirSharesUnderContentionAndAnIdleClassIsLentToTheOthers()
    {
        ExternalTool.Require("iperf3", "iperf3");
        await using var rig = await NetworkRig.StartAsync();
        await rig.Daemon.ControlAsync(
            "vnic-create", "erp0", "nic0/0", "rate=200M", "ceil=200M",
            $"class=sap:100M:tcp/{SapPort}", $"class=exchange:70M:tcp/{ExchangePort}", $"class=backup:30M:tcp/{BackupPort}");
        var server = await rig.StartGuestAsync("server", 1);
        var client = await rig.StartGuestAsync("erp", 2, ",vnic=erp0");

        var all = await SaturatedAsync(() => Iperf3Flow.RunAllAsync(client, server, [SapPort, ExchangePort, BackupPort], seconds: 7, omit: 2), rates => rates.Values.Sum(), 200 * Mbps);

        var shares = new Dictionary<int, double> { [SapPort] = 100 * Mbps, [ExchangePort] = 70 * Mbps, [BackupPort] = 30 * Mbps };
        foreach (var (port, share) in shares)
        {
            TestContext.WriteLine($"all three, tcp/{port}: {RateCheck.Describe(all[port], share)}");
        }

        foreach (var (port, share) in shares)
        {
            Assert.IsTrue(RateCheck.IsWithin(all[port], share), $"tcp/{port} under contention: {RateCheck.Describe(all[port], share)}");
        }

        // Backup idle: its 30 Mb/s is lent to SAP and Exchange (100 : 70, so about 117.6 and 82.4).
        var lent = await SaturatedAsync(() => Iperf3Flow.RunAllAsync(client, server, [SapPort, ExchangePort], seconds: 6, omit: 2), rates => rates.Values.Sum(), 200 * Mbps);

        var total = lent[SapPort] + lent[ExchangePort];
        TestContext.WriteLine($"backup idle: sap {lent[SapPort] / Mbps:0.0}, exchange {lent[ExchangePort] / Mbps:0.0}, vNIC {RateCheck.Describe(total, 200 * Mbps)}");
        Assert.IsTrue(lent[SapPort] > shares[SapPort] * (1 + RateCheck.Tolerance), $"SAP borrows beyond its 100 Mb/s: {lent[SapPort] / Mbps:0.0}");
        Assert.IsTrue(lent[ExchangePort] > shares[ExchangePort] * (1 + RateCheck.Tolerance), $"Exchange borrows beyond its 70 Mb/s: {lent[ExchangePort] / Mbps:0.0}");
        Assert.IsTrue(RateCheck.IsWithin(total, 200 * Mbps), "the vNIC stays at its 200 Mb/s: " + RateCheck.Describe(total, 200 * Mbps));
        // Control: the share check rejects SAP's rate once it borrows.
        Assert.IsFalse(RateCheck.IsWithin(lent[SapPort], shares[SapPort]), "the share check rejects SAP's borrowed rate");
    }

    [TestMethod]
    public async Task TwoVnicsWhoseCommitmentsFitA300MbpsPortGetThemWhileABestEffortVnicFloodsIt()
    {
        ExternalTool.Require("iperf3", "iperf3");
        await using var rig = await NetworkRig.StartAsync("--Paraiod:Fabric:Modules:nic0:Ports:0:LineRate=300M");
        // The flooder has the highest priority: that buys it the port's spare, not the others' commitments.
        await rig.Daemon.ControlAsync("vnic-create", "a0", "nic0/0", "rate=100M", "prio=4");
        await rig.Daemon.ControlAsync("vnic-create", "b0", "nic0/0", "rate=0", "prio=4");
        await rig.Daemon.ControlAsync("vnic-create", "flood0", "nic0/0", "rate=0", "prio=0");
        var server = await rig.StartGuestAsync("server", 1);
        var a = await rig.StartGuestAsync("a", 2, ",vnic=a0");
        var b = await rig.StartGuestAsync("b", 3, ",vnic=b0");
        var flood = await rig.StartGuestAsync("flood", 4, ",vnic=flood0");

        // Control: b0 best effort, the flooder's priority takes the spare, and b0's check fails.
        var control = await RunThreeAsync();
        TestContext.WriteLine($"control, b0 best effort: a0 {control.A / Mbps:0.0}, b0 {RateCheck.Describe(control.B, 150 * Mbps)}, flood0 {control.Flood / Mbps:0.0}");
        Assert.IsFalse(RateCheck.IsWithin(control.B, 150 * Mbps), "the check rejects b0 without its commitment: " + RateCheck.Describe(control.B, 150 * Mbps));

        await rig.Daemon.ControlAsync("vnic-set", "b0", "rate=150M");
        var committed = await SaturatedAsync(RunThreeAsync, rates => rates.A + rates.B + rates.Flood, 300 * Mbps);

        TestContext.WriteLine($"a0 committed 100: {RateCheck.Describe(committed.A, 100 * Mbps)}; b0 committed 150: {RateCheck.Describe(committed.B, 150 * Mbps)}; flood0 best effort: {committed.Flood / Mbps:0.0} Mb/s");
        Assert.IsTrue(RateCheck.IsWithin(committed.A, 100 * Mbps), "a0: " + RateCheck.Describe(committed.A, 100 * Mbps));
        Assert.IsTrue(RateCheck.IsWithin(committed.B, 150 * Mbps), "b0: " + RateCheck.Describe(committed.B, 150 * Mbps));
        Assert.IsTrue(committed.Flood > 0, "the best-effort vNIC still gets the spare");

        async Task<(double A, double B, double Flood)> RunThreeAsync()
        {
            var rates = await Task.WhenAll(
                Iperf3Flow.RunAsync(a, server, FlowPort, seconds: 6, omit: 2),
                Iperf3Flow.RunAsync(b, server, FlowPort + 1, seconds: 6, omit: 2),
                Iperf3Flow.RunAsync(flood, server, FlowPort + 2, seconds: 6, omit: 2));
            return (rates[0], rates[1], rates[2]);
        }
    }

    [TestMethod]
    public async Task ARateChangeTakesEffectWithin200Milliseconds()
    {
        ExternalTool.Require("iperf3", "iperf3");
        await using var rig = await NetworkRig.StartAsync();
        await rig.Daemon.ControlAsync("vnic-create", "web0", "nic0/0", "rate=100M", "ceil=100M");
        var server = await rig.StartGuestAsync("server", 1);
        var client = await rig.StartGuestAsync("client", 2, ",vnic=web0");
        var sampler = new VnicRateSampler(rig.Daemon, "web0");

        var flow = Iperf3Flow.RunAsync(client, server, FlowPort, seconds: 5, omit: 0);
        var sampling = sampler.SampleUntilAsync(TimeSpan.FromSeconds(4.5));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var changedAt = sampler.Now;
        await rig.Daemon.ControlAsync("vnic-set", "web0", "rate=40M", "ceil=40M");
        await sampling;
        await flow;

        // Rates over 100 ms windows starting at each 20 ms sample; ±20 % since a window holds only
        // a dozen of the guest's 64 KiB TSO frames at 40 Mb/s, while the old rate is 150 % away.
        var window = TimeSpan.FromMilliseconds(100);
        const double tolerance = 0.2;
        var windows = VnicRateSampler.Windows(sampler.Samples, window);
        var settled = VnicRateSampler.SettledAfter(windows, changedAt, 40 * Mbps, tolerance);
        var before = windows.Where(w => w.Start >= changedAt - TimeSpan.FromSeconds(1) && w.Start + window <= changedAt).ToList();
        TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sampler.Samples.Count} samples; before the change {before.Average(w => w.BitsPerSecond) / Mbps:0.0} Mb/s; at 40 Mb/s (±20 % over {window.TotalMilliseconds} ms) {settled?.TotalMilliseconds:0} ms after vnic-set was sent"));
        TestContext.WriteLine(string.Join(' ', windows.Where(w => (w.Start - changedAt).Duration() < TimeSpan.FromMilliseconds(400)).Select(w => string.Create(CultureInfo.InvariantCulture, $"{(w.Start - changedAt).TotalMilliseconds:+0;-0}ms:{w.BitsPerSecond / Mbps:0}"))));

        Assert.IsNotNull(settled, "the rate never settled at 40 Mb/s");
        Assert.IsTrue(settled <= TimeSpan.FromMilliseconds(200), $"settled {settled?.TotalMilliseconds:0} ms after the change");
        // Control: the same check on the second before the change (at 100 Mb/s) finds no settling at 40.
        Assert.IsTrue(before.Count > 10, "samples before the change");
        Assert.IsNull(VnicRateSampler.SettledAfter(before, before[0].Start, 40 * Mbps, tolerance), "the settling check rejects the old rate");
    }

    /// <summary>
    /// Measures again, up to twice, while the flows together fall short of what the vNIC or port
    /// must carry when saturated (<paramref name="saturated"/>): on a machine busy with other tests
    /// the load generators, not the system under test, can fall short of saturating it, and a
    /// figure from unsaturated load says nothing about sharing. A vNIC that under-delivers every
    /// time still fails the checks that follow.
    /// </summary>
    private async Task<T> SaturatedAsync<T>(Func<Task<T>> measure, Func<T, double> total, double saturated)
    {
        var result = await measure();
        for (var attempt = 2; attempt <= 3 && total(result) < saturated * (1 - RateCheck.Tolerance); attempt++)
        {
            TestContext.WriteLine($"the flows carried {total(result) / Mbps:0.0} of {saturated / Mbps:0} Mb/s: not saturated (a busy machine); measuring again, attempt {attempt}");
            result = await measure();
        }

        return result;
    }
}
