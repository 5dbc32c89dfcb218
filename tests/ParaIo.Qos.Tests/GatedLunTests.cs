using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>What a vHBA's gate charges for each kind of request, and how its waits end, on a manual clock.</summary>
[TestClass]
public sealed class GatedLunTests
{
    [TestMethod]
    public async Task AScatterTransferIsAdmittedOnceForAllItsBytes()
    {
        var (port, vhba, lun) = Gate(new QosSettings());
        using var _ = port;

        await lun.ReadAsync(0, [new byte[4096], new byte[4096], new byte[512]]);
        await lun.WriteAsync(0, [new byte[4096], new byte[1024]]);

        var snapshot = port.GetSnapshot(vhba);
        Assert.AreEqual(2, snapshot.OpsSent);
        Assert.AreEqual(8704 + 5120, snapshot.BytesSent);
    }

    [TestMethod]
    public async Task FlushAndDiscardAreOneOperationEach()
    {
        var (port, vhba, lun) = Gate(new QosSettings());
        using var _ = port;

        await lun.FlushAsync();
        await lun.DiscardAsync(0, 1 << 20);

        var snapshot = port.GetSnapshot(vhba);
        Assert.AreEqual(2, snapshot.OpsSent);
        Assert.AreEqual(0, snapshot.BytesSent);
    }

    [TestMethod]
    public async Task ARequestOverTheRateWaitsUntilItsTurn()
    {
        var clock = new ManualClock();
        var (port, vhba, lun) = Gate(new QosSettings { OpsLimit = 10, OpsBurst = 1 }, clock);
        using var _ = port;
        await Spend(lun);

        var second = lun.ReadAsync(512, new byte[512]).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.IsFalse(second.IsCompleted, "10 IOPS, one in debt: the next operation may go 100 ms later");
        clock.Advance(TimeSpan.FromMilliseconds(50));

        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.AreEqual(3, port.GetSnapshot(vhba).OpsSent);
    }

    [TestMethod]
    public async Task ACallersCancellationEndsItsWaitWithoutCharge()
    {
        var clock = new ManualClock();
        var (port, vhba, lun) = Gate(new QosSettings { OpsLimit = 1, OpsBurst = 1 }, clock);
        using var _ = port;
        await Spend(lun);
        using var cancel = new CancellationTokenSource();

        var waiting = lun.ReadAsync(512, new byte[512], cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.AreEqual(2, port.GetSnapshot(vhba).OpsSent);
        Assert.AreEqual(0, port.GetSnapshot(vhba).Queued);
        Assert.IsFalse(lun.IsClosed);
    }

    [TestMethod]
    public async Task CloseFailsAWaitWithACallersTokenToo()
    {
        var clock = new ManualClock();
        var (port, _, lun) = Gate(new QosSettings { OpsLimit = 1, OpsBurst = 1 }, clock);
        using var __ = port;
        await Spend(lun);
        using var cancel = new CancellationTokenSource();

        var waiting = lun.WriteAsync(512, new byte[512], cancel.Token).AsTask();
        lun.Dispose();

        var e = await Assert.ThrowsExactlyAsync<IOException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        StringAssert.Contains(e.Message, "vHBA 'wwpn-1' is closed");
    }

    [TestMethod]
    public async Task ARemovedVhbaFailsItsRequestsWithAnIOException()
    {
        var clock = new ManualClock();
        var (port, vhba, lun) = Gate(new QosSettings { OpsLimit = 1, OpsBurst = 1 }, clock);
        using var _ = port;
        await Spend(lun);
        var waiting = lun.ReadAsync(512, new byte[512]).AsTask();

        port.Remove(vhba);

        var failed = await Assert.ThrowsExactlyAsync<IOException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        var later = await Assert.ThrowsExactlyAsync<IOException>(() => lun.FlushAsync().AsTask());
        StringAssert.Contains(failed.Message, "vHBA 'wwpn-1' refused the request: 'wwpn-1' was removed");
        Assert.IsInstanceOfType<InvalidOperationException>(later.InnerException);
    }

    [TestMethod]
    public async Task AFullAdmissionQueueFailsTheRequestAndSaysSo()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(1_000_000_000, clock, new PortSchedulerOptions { QueueCapacity = 2 });
        var vhba = port.AddFlow("wwpn-1", new QosSettings { OpsLimit = 1, OpsBurst = 1 });
        var lun = new GatedLun(new NullLun(), vhba);
        await Spend(lun);
        var waiting = new[] { lun.ReadAsync(0, new byte[512]).AsTask(), lun.ReadAsync(0, new byte[512]).AsTask() };

        var e = await Assert.ThrowsExactlyAsync<IOException>(() => lun.ReadAsync(0, new byte[512]).AsTask());

        StringAssert.Contains(e.Message, "vHBA 'wwpn-1' refused the request: The admission queue of 'wwpn-1' is full.");
        Assert.IsTrue(waiting.All(t => !t.IsCompleted), "the earlier requests still wait their turn");
        lun.Close();
    }

    [TestMethod]
    public void AVhbaWithClassesIsRefused()
    {
        using var port = new PortScheduler(1_000_000_000, new ManualClock());
        var vhba = port.AddFlow("wwpn-1", default);
        port.AddClass(vhba, "a", default);

        Assert.ThrowsExactly<ArgumentException>(() => new GatedLun(new NullLun(), vhba));
    }

    /// <summary>Two operations from a full burst of one: the vHBA is one operation in debt.</summary>
    private static async Task Spend(GatedLun lun)
    {
        await lun.ReadAsync(0, new byte[512]);
        await lun.ReadAsync(0, new byte[512]);
    }

    private static (PortScheduler Port, QosNode Vhba, GatedLun Lun) Gate(QosSettings settings, ManualClock? clock = null)
    {
        var port = new PortScheduler(1_000_000_000, clock ?? new ManualClock());
        var vhba = port.AddFlow("wwpn-1", settings);
        return (port, vhba, new GatedLun(new NullLun(), vhba));
    }

    /// <summary>A LUN that completes everything at once and stores nothing.</summary>
    private sealed class NullLun : ILun
    {
        public long Size => 1 << 30;

        public int SectorSize => 512;

        public int PhysicalSectorSize => 512;

        public bool IsReadOnly => false;

        public bool CanDiscard => true;

        public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) => default;

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => default;

        public ValueTask FlushAsync(CancellationToken cancellationToken = default) => default;

        public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default) => default;
    }
}
