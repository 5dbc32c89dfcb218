using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Peer;

namespace ParaIo.RingBuffer.Tests.CrossProcess;

/// <summary>
/// The backend runs in a peer process and this process is the guest. An idle backend must sleep in
/// the kernel (about zero CPU) and wake on the next notification. A polling backend is the control
/// that proves the CPU measurement can tell the difference.
/// </summary>
[TestClass]
public sealed class IdleWaiterTests
{
    private static readonly TimeSpan s_idleWindow = TimeSpan.FromMilliseconds(1500);

    [TestMethod]
    public void ABlockedBackendUsesNoCpuWhileIdleAndWakesOnNotify()
    {
        var (cpu, _) = MeasureIdleBackend("block");

        Assert.IsTrue(cpu < TimeSpan.FromMilliseconds(100), $"the idle backend used {cpu.TotalMilliseconds:F0} ms of CPU in {s_idleWindow.TotalMilliseconds} ms");
    }

    [TestMethod]
    public void ControlAPollingBackendIsSeenBurningCpu()
    {
        var (cpu, _) = MeasureIdleBackend("poll");

        Assert.IsTrue(cpu > s_idleWindow / 4, $"the measurement should see a spinning backend, but it saw only {cpu.TotalMilliseconds:F0} ms");
    }

    private static (TimeSpan IdleCpu, string Summary) MeasureIdleBackend(string mode)
    {
        using var peer = PeerProcess.Start("backend", "--mode", mode, "--spin-us", "50");
        using var guest = GuestMemory.Create(64, domain: 3);
        var queue = guest.CreateQueue<EchoRequest, EchoResponse>(backendDomain: 0, pageOrder: 0);
        PoolHandoff.Send(peer.Connection, guest.Pool, guest.Domain, [queue.Offer]);
        peer.WaitForLine("ready", TimeSpan.FromSeconds(20));
        Assert.IsNull(HonestFrontend.Exchange(queue, count: 200, batch: 4, spin: TimeSpan.Zero));
        Thread.Sleep(500); // let the peer's JIT finish tiering up before the window opens

        var before = peer.CpuTime;
        Thread.Sleep(s_idleWindow);
        var idleCpu = peer.CpuTime - before;

        // The next request must wake the backend from its futex: nothing else will.
        ref var request = ref queue.Ring.NextRequest();
        request = new EchoRequest { Id = 1, Value = 5 };
        queue.Push();
        Assert.IsTrue(queue.WaitForResponses(TimeSpan.Zero, timeoutMs: 5000), "the backend did not answer after the idle window");
        Assert.IsTrue(queue.Ring.TryTakeResponse(out var response));
        Assert.AreEqual(EchoProtocol.Expected(1, 5), response.Result);

        peer.Connection.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        var summary = peer.WaitForLine("ok", TimeSpan.FromSeconds(10));
        if (mode == "block")
        {
            Assert.IsTrue(PeerProcess.Field(summary, "sleeps") >= 1, summary);
        }

        return (idleCpu, summary);
    }
}
