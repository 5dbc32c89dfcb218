using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Events;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.RingBuffer.Tests;

/// <summary>
/// The event channel doorbell: pending is a bit taken once, a sleeper blocks in the kernel and
/// wakes on a notify from the other end, masking keeps the bit but wakes nobody, and every wait
/// is bounded. The receiving end is the guest's port; the notifying end is the same port bound
/// through the backend's view of the pool, so the two share only the pool's memory.
/// </summary>
[TestClass]
public sealed class EventChannelTests
{
    private static readonly TimeSpan NoSpin = TimeSpan.Zero;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private GuestMemory _guest = null!;
    private GrantPool _backendPool = null!;
    private EventChannel _receiver = null!;
    private EventChannel _notifier = null!;

    [TestInitialize]
    public void SetUp()
    {
        _guest = GuestMemory.Create(16, domain: 1);
        _backendPool = GrantPool.Attach(new SafeFileHandle(Linux.LibC.Dup((int)_guest.Pool.FileDescriptor.DangerousGetHandle()), ownsHandle: true));
        _receiver = _guest.Events.Allocate();
        _notifier = EventChannel.Bind(_backendPool, _receiver.Port);
    }

    [TestCleanup]
    public void TearDown()
    {
        _backendPool.Dispose();
        _guest.Dispose();
    }

    [TestMethod]
    public void AKickWakesItsOwnReceiverWhateverThePeerWroteWhereANotifyDoesNot()
    {
        // The backend's end of a port waits (as BlkBack's ring thread does); the guest masks the
        // port, which any guest may do to its own ports.
        var backendEnd = _notifier;
        _receiver.Mask();
        var woke = Task.Run(() => backendEnd.Wait(NoSpin, (int)Patience.TotalMilliseconds));
        var clock = Stopwatch.StartNew();
        while (backendEnd.Sleeps == 0 && clock.Elapsed < Patience)
        {
            Thread.Sleep(1);
        }

        // Control: a notify from a second binding in the same process (the old way a backend woke
        // its own ring thread) trusts the shared words, and the masked port keeps it from waking.
        var secondBinding = EventChannel.Bind(_backendPool, _receiver.Port);
        secondBinding.Notify();
        Assert.IsFalse(woke.Wait(300), "a masked port must not wake the receiver on a notify");

        backendEnd.Kick();
        Assert.IsTrue(woke.Wait(Patience), "a kick wakes the receiver");
        Assert.IsTrue(woke.Result);

        // A kick that comes before the wait is not lost.
        backendEnd.Kick();
        Assert.IsTrue(backendEnd.Wait(NoSpin, 0));
        Assert.IsFalse(backendEnd.Wait(NoSpin, 0), "a kick is taken once");
    }

    [TestMethod]
    public void NotifySetsPendingAndTryConsumeTakesItOnce()
    {
        Assert.IsFalse(_receiver.IsPending);
        Assert.IsFalse(_receiver.TryConsume());

        _notifier.Notify();
        Assert.IsTrue(_receiver.IsPending);
        Assert.IsTrue(_notifier.IsPending, "both ends see the one shared pending word");
        Assert.IsTrue(_receiver.TryConsume());
        Assert.IsFalse(_receiver.IsPending);
        Assert.IsFalse(_receiver.TryConsume());

        // Pending is a bit, not a count: two notifies before a consume are one event.
        _notifier.Notify();
        _notifier.Notify();
        Assert.IsTrue(_receiver.TryConsume());
        Assert.IsFalse(_receiver.TryConsume());
        Assert.AreEqual(3, _notifier.Notifications);
        Assert.AreEqual(0, _notifier.Wakeups, "nobody slept, so no notify needed the kernel");
    }

    [TestMethod]
    public void WaitReturnsAtOnceWhenAnEventIsPending()
    {
        _notifier.Notify();
        var clock = Stopwatch.StartNew();

        Assert.IsTrue(_receiver.Wait(NoSpin, timeoutMs: 5_000));

        Assert.IsLessThan(1_000L, clock.ElapsedMilliseconds);
        Assert.AreEqual(0, _receiver.Sleeps);
        Assert.IsFalse(_receiver.IsPending, "Wait takes the event");
    }

    [TestMethod]
    public void WaitTimesOutWhenNothingComes()
    {
        var clock = Stopwatch.StartNew();

        Assert.IsFalse(_receiver.Wait(NoSpin, timeoutMs: 100));

        Assert.IsGreaterThanOrEqualTo(80L, clock.ElapsedMilliseconds, "returned before its timeout");
        Assert.IsLessThan(2_000L, clock.ElapsedMilliseconds, "overslept its timeout");
        Assert.IsGreaterThanOrEqualTo(1L, _receiver.Sleeps, "it should have slept in the kernel, not spun");
        Assert.IsFalse(_receiver.Wait(NoSpin, timeoutMs: 0));
    }

    [TestMethod]
    public void SpinningWaitTimesOutToo()
    {
        var clock = Stopwatch.StartNew();

        Assert.IsFalse(_receiver.Wait(TimeSpan.FromMilliseconds(20), timeoutMs: 30));

        Assert.IsGreaterThanOrEqualTo(40L, clock.ElapsedMilliseconds);
        Assert.IsLessThan(2_000L, clock.ElapsedMilliseconds);
    }

    [TestMethod]
    public void SleeperWakesOnNotifyFromAnotherThread()
    {
        var sleeper = StartWait(_receiver, timeoutMs: 5_000);
        AwaitSleeps(_receiver, 1);

        var clock = Stopwatch.StartNew();
        _notifier.Notify();

        Assert.IsTrue(sleeper.Result(), "the sleeper did not get the event");
        Assert.IsLessThan(2_000L, clock.ElapsedMilliseconds, "the sleeper was not woken by the notify");
        Assert.IsGreaterThanOrEqualTo(1L, _receiver.Sleeps);
        Assert.IsGreaterThanOrEqualTo(1L, _notifier.Wakeups, "the notify did not see the sleeper and skipped the wake");
        Assert.IsFalse(_receiver.IsPending);
    }

    [TestMethod]
    public void MaskedNotifySetsPendingButDoesNotWakeTheSleeper()
    {
        const int TimeoutMs = 300;
        _receiver.Mask();
        Assert.IsTrue(_receiver.IsMasked);
        var clock = Stopwatch.StartNew();
        var sleeper = StartWait(_receiver, timeoutMs: TimeoutMs);
        AwaitSleeps(_receiver, 1);

        _notifier.Notify();
        Assert.IsTrue(_receiver.IsPending, "a masked notify still sets pending");
        Assert.AreEqual(0, _notifier.Wakeups, "a masked notify made the wake system call");

        sleeper.Result();
        Assert.IsGreaterThanOrEqualTo(TimeoutMs - 20L, clock.ElapsedMilliseconds, "the masked sleeper was woken before its timeout");
    }

    [TestMethod]
    public void UnmaskReportsAnEventThatCameWhileMasked()
    {
        _receiver.Mask();
        Assert.IsFalse(_receiver.Unmask(), "nothing came while masked");
        Assert.IsFalse(_receiver.IsMasked);

        _receiver.Mask();
        _notifier.Notify();
        Assert.AreEqual(0, _notifier.Wakeups);
        Assert.IsTrue(_receiver.Unmask());
        Assert.IsFalse(_receiver.IsMasked);
        Assert.IsTrue(_receiver.TryConsume(), "Unmask reports the event but leaves it to be taken");
    }

    [TestMethod]
    public void InterruptWakesTheSleeperWithoutMakingAnEventPending()
    {
        var sleeper = StartWait(_receiver, timeoutMs: 5_000);
        AwaitSleeps(_receiver, 1);
        Thread.Sleep(20); // let it get from counting its sleep into the futex wait

        _receiver.Interrupt();

        // Woken without an event, the sleeper finds nothing pending and goes back to sleep.
        AwaitSleeps(_receiver, 2);
        Assert.IsFalse(_receiver.IsPending, "Interrupt must not fake an event");
        Assert.IsTrue(sleeper.IsRunning, "an interrupt alone is not an event; the wait goes on");

        _notifier.Notify();
        Assert.IsTrue(sleeper.Result());
    }

    [TestMethod]
    public void CancellationEndsTheWaitWithFalse()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var clock = Stopwatch.StartNew();
        Assert.IsFalse(_receiver.Wait(NoSpin, timeoutMs: 5_000, cancelled.Token));
        Assert.IsLessThan(1_000L, clock.ElapsedMilliseconds);

        using var later = new CancellationTokenSource();
        var sleeper = StartWait(_receiver, timeoutMs: 5_000, later.Token);
        AwaitSleeps(_receiver, 1);
        Thread.Sleep(20);
        clock.Restart();
        later.Cancel();

        Assert.IsFalse(sleeper.Result());
        Assert.IsLessThan(2_000L, clock.ElapsedMilliseconds, "cancellation did not wake the sleeper");
        Assert.IsFalse(_receiver.IsPending);
    }

    [TestMethod]
    public void CancellationIsNotLostWhileTheWaiterFallsAsleep()
    {
        // Cancel the moment the waiter counts its sleep: it has checked the token and is on its way
        // into the futex wait. The wake must not be lost in that window.
        const int TimeoutMs = 1_000;
        var budget = Stopwatch.StartNew();
        var rounds = 0;
        while (budget.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            rounds++;
            using var cancellation = new CancellationTokenSource();
            var sleepsBefore = _receiver.Sleeps;
            var sleeper = StartWait(_receiver, TimeoutMs, cancellation.Token);
            var deadline = Stopwatch.StartNew();
            while (_receiver.Sleeps == sleepsBefore)
            {
                Assert.IsLessThan(Patience, deadline.Elapsed, "the waiter never went to sleep");
            }

            cancellation.Cancel();
            var clock = Stopwatch.StartNew();
            Assert.IsFalse(sleeper.Result());
            Assert.IsLessThan(TimeoutMs / 2L, clock.ElapsedMilliseconds, $"round {rounds}: the cancellation was lost and the waiter slept to its timeout");
        }
    }

    [TestMethod]
    public void BindRefusesAPortOutsideThePool()
    {
        var ports = (uint)_backendPool.Geometry.EventPorts;
        Assert.AreEqual(ports - 1, EventChannel.Bind(_backendPool, ports - 1).Port);

        foreach (var port in new[] { ports, ports + 1, uint.MaxValue })
        {
            var refused = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => EventChannel.Bind(_backendPool, port));
            Assert.Contains($"port {port} is outside", refused.Message);
        }
    }

    [TestMethod]
    public void TableHandsOutEveryPortOnceThenRefuses()
    {
        var ports = _guest.Pool.Geometry.EventPorts;
        var seen = new HashSet<uint> { _receiver.Port };
        for (var i = 1; i < ports; i++)
        {
            Assert.IsTrue(seen.Add(_guest.Events.Allocate().Port));
        }

        Assert.AreEqual(ports, seen.Count);
        var full = Assert.ThrowsExactly<InvalidOperationException>(() => _guest.Events.Allocate());
        Assert.Contains($"All {ports} event channel ports", full.Message);

        // A freed port comes back, cleared of what the last user left in it.
        _notifier.Notify();
        _receiver.Mask();
        _guest.Events.Free(_receiver);
        var again = _guest.Events.Allocate();
        Assert.AreEqual(_receiver.Port, again.Port);
        Assert.IsFalse(again.IsPending);
        Assert.IsFalse(again.IsMasked);
    }

    [TestMethod]
    public void TableRefusesToFreeAPortItDidNotAllocate()
    {
        using var other = GuestMemory.Create(16, domain: 2);
        var foreign = other.Events.Allocate();
        Assert.ThrowsExactly<InvalidOperationException>(() => _guest.Events.Free(foreign));

        // The same port number bound through the backend's view is not the table's to free either.
        Assert.ThrowsExactly<InvalidOperationException>(() => _guest.Events.Free(_notifier));

        var unused = EventChannel.Bind(_guest.Pool, _receiver.Port + 1);
        Assert.ThrowsExactly<InvalidOperationException>(() => _guest.Events.Free(unused));

        _guest.Events.Free(_receiver);
        var twice = Assert.ThrowsExactly<InvalidOperationException>(() => _guest.Events.Free(_receiver));
        Assert.Contains($"port {_receiver.Port} is not allocated", twice.Message);
    }

    private static Waiter StartWait(EventChannel channel, int timeoutMs, CancellationToken cancellation = default)
    {
        var waiter = new Waiter();
        waiter.Thread = new Thread(() =>
        {
            try
            {
                waiter.Value = channel.Wait(NoSpin, timeoutMs, cancellation);
            }
            catch (Exception e)
            {
                waiter.Error = e;
            }
        })
        { IsBackground = true, Name = "event channel waiter" };
        waiter.Thread.Start();
        return waiter;
    }

    private static void AwaitSleeps(EventChannel channel, long count)
    {
        var clock = Stopwatch.StartNew();
        while (channel.Sleeps < count)
        {
            Assert.IsLessThan(Patience, clock.Elapsed, $"the waiter did not reach {count} sleeps");
            Thread.Yield();
        }
    }

    private sealed class Waiter
    {
        public Thread Thread { get; set; } = null!;

        public bool Value { get; set; }

        public Exception? Error { get; set; }

        public bool IsRunning => Thread.IsAlive;

        public bool Result()
        {
            Assert.IsTrue(Thread.Join(Patience), "the waiter did not return");
            if (Error is not null)
            {
                throw new AssertFailedException("the waiter threw: " + Error);
            }

            return Value;
        }
    }
}
