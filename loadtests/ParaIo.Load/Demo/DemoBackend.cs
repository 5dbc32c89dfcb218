using ParaIo.Load.Linux;
using ParaIo.Load.Measurement;
using ParaIo.Load.Peers;
using ParaIo.Load.Wire;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Demo;

/// <summary>
/// The peer's half of the demo: an event-driven backend as a real one would run, spinning a little
/// for more requests, then arming req_event and sleeping on its event channel.
/// </summary>
internal static class DemoBackend
{
    public static readonly TimeSpan Spin = TimeSpan.FromMicroseconds(20);
    private static readonly long s_publishEvery = Clock.Ticks(TimeSpan.FromMilliseconds(50));

    public static PeerReply Serve(PeerContext peer, in PeerCommand command)
    {
        using var queue = BackQueue<LoadRequest, LoadResponse>.Connect(peer.Mapper, peer.Offer(command));
        using var stats = BareMapping.Map(peer.Pool, command.FirstPage, 1);
        var statsPage = stats.Span;
        peer.Control.Reply(PeerReply.Ready);
        var ring = queue.Ring;
        // Bounds every wait without a futex timeout (which would arm a kernel timer on each sleep).
        using var limit = new CancellationTokenSource(TimeSpan.FromMilliseconds(command.LimitMs));
        var served = 0L;
        var nextPublish = 0L;
        var stop = false;
        while (!stop)
        {
            if (!queue.WaitForRequests(Spin, timeoutMs: -1, limit.Token))
            {
                limit.Token.ThrowIfCancellationRequested();
                throw new InvalidDataException(ring.Fault?.Reason ?? "The request wait ended without a request.");
            }

            while (ring.TryConsumeRequest(out var request))
            {
                ring.WriteResponse(new LoadResponse { Sequence = request.Sequence });
                stop |= request.IsStop;
                served++;
            }

            queue.Push();

            var now = Clock.Now;
            if (now >= nextPublish || stop)
            {
                new DemoStats(served, queue.Responses.Notifications, queue.Responses.Wakeups, queue.Requests.Sleeps).Publish(statsPage);
                nextPublish = now + s_publishEvery;
            }
        }

        return new PeerReply(PeerStatus.Done, served);
    }
}
