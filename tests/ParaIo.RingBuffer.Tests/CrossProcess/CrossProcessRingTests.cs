using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.RingBuffer.Tests.CrossProcess;

/// <summary>A frontend in a peer process and the backend in this one, over one shared ring.</summary>
[TestClass]
public sealed class CrossProcessRingTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    public void RequestsAndResponsesCrossWhileTheIndicesWrapAround()
    {
        const long count = 50_000;
        const uint start = 0xFFFF_F000; // 4096 requests before the u32 indices wrap
        using var peer = PeerProcess.Start("frontend", "--count", $"{count}", "--batch", "24", "--start-index", $"{start}", "--spin-us", "50");
        using var backend = new InProcessBackend(peer.Connection, TimeSpan.FromMicroseconds(50));

        var line = peer.WaitForLine("ok", s_timeout);

        Assert.AreEqual(0, peer.WaitForExit(s_timeout));
        Assert.AreEqual(unchecked(start + (uint)count), (uint)PeerProcess.Field(line, "req_prod"), "the frontend's index wrapped past 2^32");
        Assert.IsTrue(backend.Stop(TimeSpan.FromSeconds(5)));
        Assert.IsNull(backend.Escaped);
        Assert.IsNull(backend.Echo.Fault);
        Assert.AreEqual(count, backend.Echo.Served);
        Assert.AreEqual(0, backend.Echo.Rejected);
        Assert.AreEqual(unchecked(start + (uint)count), backend.Queue.Ring.RequestConsumer);
    }

    [TestMethod]
    public void APollingBackendIsNotNotifiedBecauseItNeverArmsItsEventIndex()
    {
        const long count = 20_000;
        using var peer = PeerProcess.Start("frontend", "--count", $"{count}", "--batch", "8", "--spin-us", "200");
        using var backend = new InProcessBackend(peer.Connection, TimeSpan.Zero, poll: true);

        var line = peer.WaitForLine("ok", s_timeout);

        // req_event starts one past the first request, so only the very first push may notify.
        Assert.IsTrue(PeerProcess.Field(line, "notifications") <= 1, line);
        Assert.AreEqual(0, backend.Queue.Requests.Sleeps);
        Assert.AreEqual(count, backend.Echo.Served);
    }

    [TestMethod]
    public void ASleepingBackendIsNotifiedOnlyWhenItArmedItsEventIndex()
    {
        const long count = 2_000;
        using var peer = PeerProcess.Start("frontend", "--count", $"{count}", "--batch", "1", "--spin-us", "0");
        using var backend = new InProcessBackend(peer.Connection, TimeSpan.Zero);

        var line = peer.WaitForLine("ok", s_timeout);

        var notifications = PeerProcess.Field(line, "notifications");
        // The backend sleeps between requests, so the frontend must notify, but never more than
        // once per request.
        Assert.IsTrue(notifications is >= 1 and <= count, line);
        Assert.IsTrue(backend.Queue.Requests.Sleeps >= 1, "the backend slept in the kernel");
        Assert.AreEqual(count, backend.Echo.Served);
    }
}
