// The simulation polls admissions instead of awaiting them, so that no continuation runs on the thread pool;
// each ValueTask is still consumed exactly once, after IsCompleted.
#pragma warning disable CA2012

using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>The gate API as BlkBack uses it: a vHBA's requests admitted under its bandwidth and IOPS limits, and its priority on a shared port.</summary>
[TestClass]
public sealed class VhbaGateTests
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(3);

    [TestMethod]
    public void SmallRequestsAreHeldToTheIopsLimit()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock);
        var vhba = port.AddFlow("wwpn", new QosSettings { Ceiling = Rates.MBps(100), OpsLimit = 1000 });
        var initiator = new GateInitiator(port, vhba, 4096, depth: 8);

        GateInitiator.Run(clock, Warmup, Measured, initiator);

        Expect.Within(1000, initiator.OpsPerSecondSinceMark(clock.Elapsed), 0.01, "IOPS");
        Expect.Within(1000, port.GetSnapshot(vhba).OpsRate, 0.05, "estimated IOPS");
    }

    [TestMethod]
    public void LargeRequestsAreHeldToTheBandwidthLimit()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock);
        var vhba = port.AddFlow("wwpn", new QosSettings { Ceiling = Rates.MBps(100), OpsLimit = 1000 });
        var initiator = new GateInitiator(port, vhba, 1 << 20, depth: 8);

        GateInitiator.Run(clock, Warmup, Measured, initiator);

        Expect.Within(Rates.MBps(100), initiator.BytesPerSecondSinceMark(clock.Elapsed), 0.01, "bytes/s");
    }

    [TestMethod]
    public void CommittedVhbaKeepsItsRateAgainstAHigherPriorityBestEffortVhba()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(200), clock);
        var committed = port.AddFlow("committed", new QosSettings { CommittedRate = Rates.MBps(150), Priority = 5 });
        var greedy = port.AddFlow("greedy", new QosSettings { Priority = 0 });
        var a = new GateInitiator(port, committed, 64 * 1024, depth: 16);
        var b = new GateInitiator(port, greedy, 64 * 1024, depth: 16);

        GateInitiator.Run(clock, Warmup, Measured, b, a);

        Expect.Within(Rates.MBps(150), a.BytesPerSecondSinceMark(clock.Elapsed), 0.01, "committed vHBA");
        Expect.Within(Rates.MBps(50), b.BytesPerSecondSinceMark(clock.Elapsed), 0.02, "best-effort vHBA");
    }

    [TestMethod]
    public void TryAdmitRefusesOverTheLimitAndAdmitsOnceTokensReturn()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock);
        var vhba = port.AddFlow("wwpn", new QosSettings { OpsLimit = 100, OpsBurst = 2 });

        Assert.IsTrue(port.TryAdmit(vhba, 4096));
        Assert.IsTrue(port.TryAdmit(vhba, 4096));
        Assert.IsTrue(port.TryAdmit(vhba, 4096), "the last token goes into debt");
        Assert.IsFalse(port.TryAdmit(vhba, 4096));
        clock.Advance(TimeSpan.FromMilliseconds(9));
        Assert.IsFalse(port.TryAdmit(vhba, 4096));
        clock.Advance(TimeSpan.FromMilliseconds(1.1));
        Assert.IsTrue(port.TryAdmit(vhba, 4096));
        Assert.AreEqual(4, port.GetSnapshot(vhba).OpsSent);
    }

    [TestMethod]
    public void WaiterIsReleasedByTheTimerWhenItsTurnComes()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock);
        var vhba = port.AddFlow("wwpn", new QosSettings { Ceiling = 1_000_000, Burst = 1 });

        Assert.IsTrue(port.WaitAdmitAsync(vhba, 100_000).IsCompletedSuccessfully, "the first request goes at once, into debt");
        var waiting = port.WaitAdmitAsync(vhba, 100_000);
        Assert.IsFalse(waiting.IsCompleted);
        Assert.IsFalse(port.TryAdmit(vhba, 1), "a newcomer does not overtake the waiter");
        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.IsFalse(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1.1));
        Assert.IsTrue(waiting.IsCompletedSuccessfully);
        waiting.GetAwaiter().GetResult();
    }

    [TestMethod]
    public void AnAdmissionQueueGrowsPastItsFirstArrayAndKeepsArrivalOrderUpToItsBound()
    {
        // 1,000 ops/s, one op a burst: one waiter leaves each millisecond. The first 256-entry
        // array has wrapped (60 left from its head) before it must grow, twice, to the bound.
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock, new PortSchedulerOptions { QueueCapacity = 1000 });
        var vhba = port.AddFlow("wwpn", new QosSettings { OpsLimit = 1000, OpsBurst = 1 });
        Assert.IsTrue(port.TryAdmit(vhba, 512), "the first request goes at once, into debt");
        var waiters = new List<ValueTask>();
        for (var i = 0; i < 100; i++)
        {
            waiters.Add(port.WaitAdmitAsync(vhba, 512));
        }

        Step(clock, waiters, 60);
        while (waiters.Count < 60 + 1000)
        {
            waiters.Add(port.WaitAdmitAsync(vhba, 512));
        }

        var refused = port.WaitAdmitAsync(vhba, 512);

        Assert.IsTrue(refused.IsFaulted, "the 1,001st waiting request is refused");
        Assert.ThrowsExactly<InvalidOperationException>(() => refused.GetAwaiter().GetResult());
        Assert.AreEqual(1000, port.GetSnapshot(vhba).Queued);
        Step(clock, waiters, waiters.Count);
        Assert.AreEqual(0, port.GetSnapshot(vhba).Queued);
        foreach (var waiter in waiters)
        {
            waiter.GetAwaiter().GetResult();
        }
    }

    /// <summary>Advances a millisecond at a time until <paramref name="count"/> waiters have gone, checking they go in arrival order.</summary>
    private static void Step(ManualClock clock, List<ValueTask> waiters, int count)
    {
        var done = waiters.FindIndex(w => !w.IsCompleted);
        for (var ms = 0; done < count && ms < 2 * waiters.Count; ms++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            var next = waiters.FindIndex(w => !w.IsCompleted);
            done = next < 0 ? waiters.Count : next;
            var overtaken = waiters.FindIndex(done, w => w.IsCompleted);
            Assert.AreEqual(-1, overtaken, $"waiter {overtaken} was admitted before waiter {done}");
        }

        Assert.IsGreaterThanOrEqualTo(count, done, "the waiters were admitted in time");
        for (var i = 0; i < count; i++)
        {
            Assert.IsTrue(waiters[i].IsCompletedSuccessfully, $"waiter {i} admitted");
        }
    }

    [TestMethod]
    public async Task CancelledWaiterFailsAndCostsNothing()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock);
        var vhba = port.AddFlow("wwpn", new QosSettings { Ceiling = 1_000_000, Burst = 1 });
        Assert.IsTrue(port.TryAdmit(vhba, 100_000));

        using var cts = new CancellationTokenSource();
        var cancelled = port.WaitAdmitAsync(vhba, 100_000, 1, cts.Token);
        var next = port.WaitAdmitAsync(vhba, 50_000);
        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(async () => await cancelled);
        clock.Advance(TimeSpan.FromMilliseconds(100.1));
        Assert.IsTrue(next.IsCompletedSuccessfully, "the cancelled request neither blocks nor is charged");
        await next;
        Assert.AreEqual(150_000, port.GetSnapshot(vhba).BytesSent);
    }

    [TestMethod]
    public async Task FullAdmissionQueueFailsTheRequest()
    {
        var clock = new ManualClock();
        using var port = new PortScheduler(Rates.MBps(1000), clock, new PortSchedulerOptions { QueueCapacity = 2 });
        var vhba = port.AddFlow("wwpn", new QosSettings { OpsLimit = 1, OpsBurst = 1 });
        Assert.IsTrue(port.TryAdmit(vhba, 512));
        Assert.IsTrue(port.TryAdmit(vhba, 512), "the last token goes into debt");
        var first = port.WaitAdmitAsync(vhba, 512);
        var second = port.WaitAdmitAsync(vhba, 512);
        Assert.IsFalse(first.IsCompleted || second.IsCompleted);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await port.WaitAdmitAsync(vhba, 512));
        Assert.AreEqual(1, port.GetSnapshot(vhba).Dropped);
        port.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await second);
    }
}
