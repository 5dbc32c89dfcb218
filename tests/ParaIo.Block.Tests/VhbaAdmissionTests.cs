using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Backend.Qos;
using ParaIo.Frontend.Block;
using ParaIo.Protocol.Block;
using VhbaLun = ParaIo.Backend.Qos.GatedLun;

namespace ParaIo.Block.Tests;

/// <summary>
/// A LUN behind a vHBA's gate (<see cref="VhbaLun"/>), served by BlkBack to a BlkFront guest in
/// process: its bandwidth and IOPS limits hold in real time, and closing it fails the waiting
/// requests at once while the device carries on.
/// </summary>
[TestClass]
public sealed class VhbaAdmissionTests
{
    private const long Disk = 64L * 1024 * 1024;
    private static readonly TimeSpan Run = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan Skip = TimeSpan.FromSeconds(0.5);

    [TestMethod]
    public async Task AVhbaLimitedToRBytesASecondDeliversR()
    {
        const long Limit = 8_000_000;
        using var port = new PortScheduler(1_000_000_000);
        var vhba = port.AddFlow("wwpn-1", new QosSettings { CommittedRate = Limit, Ceiling = Limit });

        var achieved = await Saturate(lun => new VhbaLun(lun, vhba), requestBytes: 64 * 1024);

        Expect(Limit, achieved.BytesPerSecond, "bytes a second");
    }

    [TestMethod]
    public async Task AVhbaLimitedToNIopsDeliversN()
    {
        const long Iops = 400;
        using var port = new PortScheduler(1_000_000_000);
        var vhba = port.AddFlow("wwpn-1", new QosSettings { OpsLimit = Iops, OpsBurst = Iops / 10 });

        var achieved = await Saturate(lun => new VhbaLun(lun, vhba), requestBytes: 4096);

        Expect(Iops, achieved.OpsPerSecond, "operations a second");
    }

    [TestMethod]
    public async Task TheRateCheckFailsAnUngatedLun()
    {
        // The broken control: the same guest load on the LUN without its vHBA's gate.
        var achieved = await Saturate(lun => lun, requestBytes: 64 * 1024);

        Assert.IsFalse(IsWithin(8_000_000, achieved.BytesPerSecond), $"an ungated LUN delivered {achieved.BytesPerSecond:F0} B/s");
    }

    [TestMethod]
    public async Task CloseFailsWaitingRequestsAtOnceWithTheVhbasName()
    {
        await using var rig = new BlockRig();
        using var port = new PortScheduler(1_000_000_000);
        var vhba = port.AddFlow("wwpn-7", new QosSettings { Ceiling = 4096, Burst = 4096 }); // one 4 KiB read a second
        using var lun = new VhbaLun(rig.CreateLun(Disk), vhba);
        await lun.ReadAsync(0, new byte[8192]); // from a full 4 KiB burst: 4 KiB in debt, the next waits a second

        var waiting = Enumerable.Range(1, 4).Select(i => lun.ReadAsync(i * 4096L, new byte[4096]).AsTask()).ToArray();
        await Task.Delay(50);
        Assert.IsTrue(waiting.All(t => !t.IsCompleted), "over its rate, a request waits rather than fails");
        var closing = Stopwatch.StartNew();
        lun.Close();

        foreach (var request in waiting)
        {
            var e = await Assert.ThrowsExactlyAsync<IOException>(() => request.WaitAsync(Waits.Limit));
            StringAssert.Contains(e.Message, "vHBA 'wwpn-7' is closed");
        }

        Assert.IsLessThan(TimeSpan.FromMilliseconds(500), closing.Elapsed, "failed at once, not after the rate allowed");
        var later = await Assert.ThrowsExactlyAsync<IOException>(() => lun.FlushAsync().AsTask());
        StringAssert.Contains(later.Message, "wwpn-7");
        Assert.AreEqual(0, port.GetSnapshot(vhba).Queued, "no waiter left behind");
    }

    [TestMethod]
    public async Task BlkBackAnswersRequestsFailedByCloseWithErrorAndTheGuestCarriesOn()
    {
        await using var rig = new BlockRig();
        using var port = new PortScheduler(1_000_000_000);
        var vhba = port.AddFlow("wwpn-7", new QosSettings { Ceiling = 4096, Burst = 4096 });
        using var lun = new VhbaLun(rig.CreateLun(Disk), vhba);
        var (front, back) = await rig.ConnectAsync(lun);
        using var buffer = front.AllocateBuffer(5 * 4096);
        await front.ReadAsync(0, buffer.Memory[..8192]).Within(); // leaves the vHBA a second in debt

        var waiting = Enumerable.Range(1, 4).Select(i => front.ReadAsync(i * 8L, buffer.Memory.Slice(i * 4096, 4096)).AsTask()).ToArray();
        Assert.IsTrue(await Waits.UntilAsync(() => port.GetSnapshot(vhba).Queued == 4), "the guest's requests wait at the vHBA's gate");
        var closing = Stopwatch.StartNew();
        lun.Close();

        foreach (var request in waiting)
        {
            var e = await Assert.ThrowsExactlyAsync<BlockRequestException>(() => request.WaitAsync(Waits.Limit));
            Assert.AreEqual(BlkifStatus.Error, e.Status);
        }

        Assert.IsLessThan(TimeSpan.FromMilliseconds(500), closing.Elapsed, "answered at once");

        // The device is not failed: the guest's next request is answered (ERROR again: the vHBA is closed).
        var next = await Assert.ThrowsExactlyAsync<BlockRequestException>(() => front.ReadAsync(0, buffer.Memory[..4096]).AsTask().WaitAsync(Waits.Limit));
        Assert.AreEqual(BlkifStatus.Error, next.Status);
        Assert.IsNull(back.FailureReason);
        Assert.AreEqual(5, back.Counters.IoErrors);
    }

    /// <summary>
    /// Keeps eight reads of <paramref name="requestBytes"/> in flight from a BlkFront guest for
    /// <see cref="Run"/>, and measures completions over their window, the first <see cref="Skip"/> left out.
    /// </summary>
    private static async Task<(double BytesPerSecond, double OpsPerSecond)> Saturate(Func<ILun, ILun> gate, int requestBytes)
    {
        await using var rig = new BlockRig();
        var (front, _) = await rig.ConnectAsync(gate(rig.CreateLun(Disk)));
        var completions = new ConcurrentQueue<long>();
        var until = Stopwatch.GetTimestamp() + (long)(Run.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, 8).Select(async worker =>
        {
            using var buffer = front.AllocateBuffer(requestBytes);
            var sector = worker * (long)(Disk / 8 / 512);
            while (Stopwatch.GetTimestamp() < until)
            {
                await front.ReadAsync(sector, buffer.Memory).ConfigureAwait(false);
                completions.Enqueue(Stopwatch.GetTimestamp());
            }
        }).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        var times = completions.Order().ToArray();
        var from = times[0] + (long)(Skip.TotalSeconds * Stopwatch.Frequency);
        var window = times.Where(t => t >= from).ToArray();
        Assert.IsGreaterThan(20, window.Length, "enough completions to measure a rate");

        // Requests completing after the window's first, over the time to its last.
        var seconds = (double)(window[^1] - window[0]) / Stopwatch.Frequency;
        var ops = (window.Length - 1) / seconds;
        return (ops * requestBytes, ops);
    }

    private static bool IsWithin(double expected, double actual) => Math.Abs(actual - expected) <= expected * 0.05;

    private static void Expect(double expected, double actual, string what) =>
        Assert.IsTrue(IsWithin(expected, actual), $"{what}: expected {expected:F0} ±5%, got {actual:F0} ({(actual - expected) / expected:+0.0%;-0.0%}).");
}
