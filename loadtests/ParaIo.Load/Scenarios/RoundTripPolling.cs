using System.Runtime.InteropServices;
using ParaIo.Load.Linux;
using ParaIo.Load.Measurement;
using ParaIo.Load.Peers;
using ParaIo.Load.Reporting;
using ParaIo.Load.Wire;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Scenarios;

/// <summary>
/// <c>rtt-poll</c>: one request, one response, both sides spinning, no notifications. ParaIo's
/// ring against a blocking Unix-domain socket and against the limit, two bare shared-memory slots.
/// Each round trip is timed from before the request is written to after the response is read.
/// </summary>
internal static class RoundTripPolling
{
    public const string Name = "rtt-poll";

    private const int LimitRequestOffset = 0;
    private const int LimitResponseOffset = 256; // its own pair of cache lines

    public static ScenarioResult Run(LoadSession session)
    {
        var queue = session.RoundTripPolling;
        var notificationsBefore = queue.Requests.Notifications;
        var page = session.Guest.Pages.Allocate();
        PlacedLatencyRecorder ring = new(), socket = new(), limit = new();
        var sequence = 0ul; // the ring's request numbers run on from round to round
        var peer = session.Interleave(Name,
        [
            new Leg("paraio", PeerOp.RingRoundTripPolling, run => Ring(run, queue, ring, ref sequence)) { Ring = RingIndex.RoundTripPolling },
            new Leg("socket", PeerOp.SocketRoundTrip, run => Socket(run, socket)),
            new Leg("limit", PeerOp.LimitRoundTrip, run => Limit(run, session.Guest.Pool.GetPage(page), limit)) { FirstPage = page },
        ]);

        var (ringPlaced, socketPlaced, limitPlaced) = (ring.Summarize(), socket.Summarize(), limit.Summarize());
        var (ringFigures, socketFigures, limitFigures) = (ringPlaced.All, socketPlaced.All, limitPlaced.All);
        var counters = new Dictionary<string, long>
        {
            ["frontendNotifications"] = queue.Requests.Notifications - notificationsBefore,
            ["backendNotifications"] = peer[0].Value0,
        };
        return new ScenarioResult(
            Name,
            "request/response round trip with both sides spinning (µs)",
            [
                new TransportFigures("paraio", "FrontRing/BackRing, 64-byte request, 16-byte response, both ends poll the producer index; no event channel armed", ringFigures, Counters: counters, Placement: ringPlaced),
                new TransportFigures("socket", "Unix-domain stream socket, 64 bytes each way, blocking send and receive", socketFigures, Placement: socketPlaced),
                new TransportFigures("limit", "two bare 64-byte slots in the same shared pool, a sequence number polled with Volatile; no protocol", limitFigures, Placement: limitPlaced),
            ],
            [
                new ReportRow("p50", "µs", true, ringFigures.P50Us, socketFigures.P50Us, limitFigures.P50Us, "limit", "p50 ≤ 1 µs", ringFigures.P50Us <= 1.0),
                new ReportRow("p99", "µs", true, ringFigures.P99Us, socketFigures.P99Us, limitFigures.P99Us, "limit", null, null),
                new ReportRow("p99.9", "µs", true, ringFigures.P999Us, socketFigures.P999Us, limitFigures.P999Us, "limit", null, null),
            ]);
    }

    private static void Ring(RunContext run, FrontQueue<LoadRequest, LoadResponse> queue, PlacedLatencyRecorder recorder, ref ulong lastSequence)
    {
        var sequence = lastSequence;
        var ring = queue.Ring;
        var template = LoadRequest.Template();
        var (measureFrom, end) = run.Window.Start();
        var guard = new SpinGuard(RunContext.Deadline(end), "a ParaIo response", run.Cancellation);
        while (true)
        {
            var start = Clock.Now;
            if (start >= end)
            {
                break;
            }

            ref var request = ref ring.NextRequest();
            request = template;
            request.Sequence = ++sequence;
            if (ring.PushRequests())
            {
                // Only the very first push finds req_event armed; a polling backend never re-arms it.
                queue.Requests.Notify();
            }

            LoadResponse response;
            while (!ring.TryTakeResponse(out response))
            {
                guard.Spin();
            }

            var finish = Clock.Now;
            guard.Progress();
            Check(response.Sequence, sequence);
            if (start >= measureFrom)
            {
                recorder.Record(finish - start, Native.CurrentCpu(), response.Cpu);
            }
        }

        template.Flags = LoadRequest.StopFlag;
        template.Sequence = ++sequence;
        ring.NextRequest() = template;
        queue.Push();
        while (!ring.TryTakeResponse(out _))
        {
            guard.Spin();
        }

        lastSequence = sequence;
    }

    public static PeerReply ServeRing(PeerContext peer, in PeerCommand command)
    {
        using var queue = BackQueue<LoadRequest, LoadResponse>.Connect(peer.Mapper, peer.Offer(command));
        peer.Control.Reply(PeerReply.Ready);
        var ring = queue.Ring;
        var guard = PeerContext.Guard(command, "a ParaIo request");
        while (true)
        {
            if (ring.TryConsumeRequest(out var request))
            {
                guard.Progress();
                ring.WriteResponse(new LoadResponse { Sequence = request.Sequence, Cpu = Native.CurrentCpu() });
                if (ring.PushResponses())
                {
                    queue.Responses.Notify();
                }

                if (request.IsStop)
                {
                    break;
                }
            }
            else if (ring.IsFaulted)
            {
                throw new InvalidDataException($"The frontend broke the ring: {ring.Fault!.Reason}");
            }
            else
            {
                guard.Spin();
            }
        }

        return new PeerReply(PeerStatus.Done, queue.Responses.Notifications);
    }

    /// <summary>The socket's round trip; shared with <c>rtt-block</c>, where sockets are just as blocking.</summary>
    public static void Socket(RunContext run, PlacedLatencyRecorder recorder)
    {
        var socket = run.Data;
        var request = LoadRequest.Template();
        var reply = default(LoadRequest);
        var requestBytes = MemoryMarshal.AsBytes(new Span<LoadRequest>(ref request));
        var replyBytes = MemoryMarshal.AsBytes(new Span<LoadRequest>(ref reply));
        var (measureFrom, end) = run.Window.Start();
        while (true)
        {
            var start = Clock.Now;
            if (start >= end)
            {
                break;
            }

            request.Sequence++;
            SocketIo.SendAll(socket, requestBytes);
            SocketIo.ReceiveExactly(socket, replyBytes);
            var finish = Clock.Now;
            Check(reply.Sequence, request.Sequence);
            if (start >= measureFrom)
            {
                recorder.Record(finish - start, Native.CurrentCpu(), reply.Cpu);
            }

            run.Cancellation.ThrowIfCancellationRequested();
        }

        request.Flags = LoadRequest.StopFlag;
        request.Sequence++;
        SocketIo.SendAll(socket, requestBytes);
        SocketIo.ReceiveExactly(socket, replyBytes);
    }

    public static PeerReply ServeSocket(PeerContext peer, in PeerCommand command)
    {
        var socket = peer.Data;
        var message = default(LoadRequest);
        var bytes = MemoryMarshal.AsBytes(new Span<LoadRequest>(ref message));
        peer.Control.Reply(PeerReply.Ready);
        do
        {
            // The reply is the same 64 bytes back: a 64-byte message each way.
            SocketIo.ReceiveExactly(socket, bytes);
            message.Cpu = Native.CurrentCpu();
            SocketIo.SendAll(socket, bytes);
        }
        while (!message.IsStop);

        return new PeerReply(PeerStatus.Done);
    }

    private static void Limit(RunContext run, Span<byte> memory, PlacedLatencyRecorder recorder)
    {
        ref var toPeer = ref SharedSlot.At(memory, LimitRequestOffset);
        ref var fromPeer = ref SharedSlot.At(memory, LimitResponseOffset);
        var request = LoadRequest.Template();
        // Sequences run on from the last round: the peer starts from what it sees in the slot.
        request.Sequence = toPeer.Sequence;
        var (measureFrom, end) = run.Window.Start();
        var guard = new SpinGuard(RunContext.Deadline(end), "the peer's slot", run.Cancellation);
        while (true)
        {
            var start = Clock.Now;
            var stopping = start >= end;
            request.Flags = stopping ? LoadRequest.StopFlag : 0;
            request.Sequence++;
            SharedSlot.Publish(ref toPeer, request);
            while (!SharedSlot.Shows(ref fromPeer, request.Sequence))
            {
                guard.Spin();
            }

            var reply = fromPeer;
            var finish = Clock.Now;
            guard.Progress();
            if (stopping)
            {
                break;
            }

            Check(reply.Sequence, request.Sequence);
            if (start >= measureFrom)
            {
                recorder.Record(finish - start, Native.CurrentCpu(), reply.Cpu);
            }
        }
    }

    public static PeerReply ServeLimit(PeerContext peer, in PeerCommand command)
    {
        using var bare = BareMapping.Map(peer.Pool, command.FirstPage, 1);
        var memory = bare.Span;
        ref var fromParent = ref SharedSlot.At(memory, LimitRequestOffset);
        ref var toParent = ref SharedSlot.At(memory, LimitResponseOffset);
        // Read before Ready: once the parent hears Ready it may publish the next sequence at once.
        var seen = Volatile.Read(ref fromParent.Sequence);
        peer.Control.Reply(PeerReply.Ready);
        var guard = PeerContext.Guard(command, "the parent's slot");
        while (true)
        {
            while (!SharedSlot.HasNew(ref fromParent, seen))
            {
                guard.Spin();
            }

            guard.Progress();
            var request = fromParent;
            seen = request.Sequence;
            request.Cpu = Native.CurrentCpu();
            SharedSlot.Publish(ref toParent, request);
            if (request.IsStop)
            {
                break;
            }
        }

        return new PeerReply(PeerStatus.Done);
    }

    private static void Check(ulong answered, ulong sent)
    {
        if (answered != sent)
        {
            throw new InvalidDataException($"Response {answered} came back for request {sent}.");
        }
    }
}
