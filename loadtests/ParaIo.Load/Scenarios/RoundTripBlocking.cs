using ParaIo.Load.Linux;
using ParaIo.Load.Measurement;
using ParaIo.Load.Peers;
using ParaIo.Load.Reporting;
using ParaIo.Load.Wire;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Scenarios;

/// <summary>
/// <c>rtt-block</c>: one request, one response, and both sides sleep in the kernel while they wait.
/// ParaIo's ring with its event channels (spin budget zero: the futex is entered every time the
/// other side is not already done) against a bare eventfd ping-pong (the cost of the two kernel
/// wake-ups alone) and against the blocking Unix-domain socket.
/// </summary>
internal static class RoundTripBlocking
{
    public const string Name = "rtt-block";

    /// <summary>
    /// No futex timeout: a timed FUTEX_WAIT arms a kernel hrtimer on every sleep, which cost
    /// 0.3-0.4 µs a sleep here and is not part of the transport (the eventfd read has none). The
    /// waits are bounded by a cancellation token instead, which interrupts the futex when it fires.
    /// </summary>
    private const int NoTimeout = -1;

    /// <summary>Written instead of 1 to end the eventfd ping-pong; large enough to tell from a normal count.</summary>
    private const ulong EventFdStop = 1ul << 32;

    public static ScenarioResult Run(LoadSession session)
    {
        var queue = session.RoundTripBlocking;
        var before = (queue.Requests.Notifications, queue.Requests.Wakeups, queue.Responses.Sleeps, queue.Ring.RequestProducer);
        using var toPeer = EventFd.Create();
        using var fromPeer = EventFd.Create();
        PlacedLatencyRecorder ring = new(), eventFd = new(), socket = new();
        var sequence = 0ul; // the ring's request numbers run on from round to round
        var peer = session.Interleave(Name,
        [
            new Leg("paraio", PeerOp.RingRoundTripBlocking, run => Ring(run, queue, ring, ref sequence)) { Ring = RingIndex.RoundTripBlocking },
            new Leg("eventfd", PeerOp.EventFdRoundTrip, run => EventFdPingPong(run, toPeer, fromPeer, eventFd)) { Fds = [toPeer.Descriptor, fromPeer.Descriptor] },
            new Leg("socket", PeerOp.SocketRoundTrip, run => RoundTripPolling.Socket(run, socket)),
        ]);

        var (ringPlaced, eventFdPlaced, socketPlaced) = (ring.Summarize(), eventFd.Summarize(), socket.Summarize());
        var (ringFigures, eventFdFigures, socketFigures) = (ringPlaced.All, eventFdPlaced.All, socketPlaced.All);
        var counters = new Dictionary<string, long>
        {
            // Counted over warm-up and measured rounds together, like roundTrips.
            ["roundTrips"] = queue.Ring.RequestProducer - before.RequestProducer,
            ["frontendNotifications"] = queue.Requests.Notifications - before.Notifications,
            ["frontendFutexWakes"] = queue.Requests.Wakeups - before.Wakeups,
            ["frontendSleeps"] = queue.Responses.Sleeps - before.Sleeps,
            ["backendNotifications"] = peer[0].Value0,
            ["backendFutexWakes"] = peer[0].Value1,
            ["backendSleeps"] = peer[0].Value2,
        };
        var met = ringFigures.P50Us <= 1.2 * eventFdFigures.P50Us && ringFigures.P50Us < socketFigures.P50Us;
        return new ScenarioResult(
            Name,
            "request/response round trip with both sides asleep in the kernel while waiting (µs)",
            [
                new TransportFigures("paraio", "FrontQueue/BackQueue with event channels, spin 0: FinalCheck arms the event index, then the futex", ringFigures, Counters: counters, Placement: ringPlaced),
                new TransportFigures("eventfd", "two eventfds, blocking write and read: the kernel wake-up alone, no payload", eventFdFigures, Placement: eventFdPlaced),
                new TransportFigures("socket", "Unix-domain stream socket, 64 bytes each way, blocking send and receive", socketFigures, Placement: socketPlaced),
            ],
            [
                new ReportRow("p50", "µs", true, ringFigures.P50Us, socketFigures.P50Us, eventFdFigures.P50Us, "eventfd", "≤ 1.2× eventfd, < socket", met),
                new ReportRow("p99", "µs", true, ringFigures.P99Us, socketFigures.P99Us, eventFdFigures.P99Us, "eventfd", null, null),
                new ReportRow($"p50 same vCPU ({Share(ringPlaced)}/{Share(socketPlaced)}/{Share(eventFdPlaced)} of trips)", "µs", true, ringPlaced.SameCpu.P50Us, socketPlaced.SameCpu.P50Us, eventFdPlaced.SameCpu.P50Us, "eventfd", null, null),
                new ReportRow("p50 across vCPUs", "µs", true, ringPlaced.CrossCpu.P50Us, socketPlaced.CrossCpu.P50Us, eventFdPlaced.CrossCpu.P50Us, "eventfd", null, null),
            ]);
    }

    private static void Ring(RunContext run, FrontQueue<LoadRequest, LoadResponse> queue, PlacedLatencyRecorder recorder, ref ulong lastSequence)
    {
        var sequence = lastSequence;
        var ring = queue.Ring;
        var template = LoadRequest.Template();
        var (measureFrom, end) = run.Window.Start();
        while (true)
        {
            var start = Clock.Now;
            var stopping = start >= end;
            ref var request = ref ring.NextRequest();
            request = template;
            request.Sequence = ++sequence;
            request.Flags = stopping ? LoadRequest.StopFlag : 0;
            queue.Push();
            if (!queue.WaitForResponses(TimeSpan.Zero, NoTimeout, run.Cancellation))
            {
                CheckWait(ring.Fault?.Reason, run.Cancellation);
            }

            if (!ring.TryTakeResponse(out var response) || response.Sequence != sequence)
            {
                throw new InvalidDataException($"Request {sequence} was not answered in order.");
            }

            var finish = Clock.Now;
            if (stopping)
            {
                break;
            }

            if (start >= measureFrom)
            {
                recorder.Record(finish - start, Native.CurrentCpu(), response.Cpu);
            }
        }

        lastSequence = sequence;
    }

    public static PeerReply ServeRing(PeerContext peer, in PeerCommand command)
    {
        using var queue = BackQueue<LoadRequest, LoadResponse>.Connect(peer.Mapper, peer.Offer(command));
        peer.Control.Reply(PeerReply.Ready);
        var ring = queue.Ring;
        using var limit = new CancellationTokenSource(TimeSpan.FromMilliseconds(command.LimitMs));
        var stop = false;
        while (!stop)
        {
            if (!queue.WaitForRequests(TimeSpan.Zero, NoTimeout, limit.Token))
            {
                CheckWait(ring.Fault?.Reason, limit.Token);
            }

            while (ring.TryConsumeRequest(out var request))
            {
                ring.WriteResponse(new LoadResponse { Sequence = request.Sequence, Cpu = Native.CurrentCpu() });
                stop |= request.IsStop;
            }

            queue.Push();
        }

        return new PeerReply(PeerStatus.Done, queue.Responses.Notifications, queue.Responses.Wakeups, queue.Requests.Sleeps);
    }

    private static void EventFdPingPong(RunContext run, EventFd toPeer, EventFd fromPeer, PlacedLatencyRecorder recorder)
    {
        // Unblocks our read if the peer dies or the run overruns; the loop then sees the token set.
        using var unblock = run.Cancellation.Register(() => fromPeer.Signal(EventFdStop));
        var (measureFrom, end) = run.Window.Start();
        while (true)
        {
            var start = Clock.Now;
            if (start >= end)
            {
                break;
            }

            toPeer.Signal();
            var answer = fromPeer.Wait();
            var finish = Clock.Now;
            run.Cancellation.ThrowIfCancellationRequested();
            if (start >= measureFrom)
            {
                // The peer answers with its CPU + 1 (an eventfd cannot carry 0).
                recorder.Record(finish - start, Native.CurrentCpu(), (int)answer - 1);
            }
        }

        toPeer.Signal(EventFdStop);
        fromPeer.Wait();
        run.Cancellation.ThrowIfCancellationRequested();
    }

    public static PeerReply ServeEventFd(PeerContext peer, EventFd fromParent, EventFd toParent)
    {
        peer.Control.Reply(PeerReply.Ready);
        ulong value;
        do
        {
            value = fromParent.Wait();
            toParent.Signal((ulong)Native.CurrentCpu() + 1);
        }
        while (value < EventFdStop);

        return new PeerReply(PeerStatus.Done);
    }

    private static string Share(PlacedLatency placed) =>
        double.IsNaN(placed.SameCpuShare) ? "n/a" : $"{placed.SameCpuShare:0%}";

    /// <summary>A wait with no timeout returned false: the ring faulted, or the run was cancelled (peer lost, Ctrl+C, overrun).</summary>
    private static void CheckWait(string? fault, CancellationToken cancellation)
    {
        if (fault is not null)
        {
            throw new InvalidDataException($"The ring faulted: {fault}");
        }

        cancellation.ThrowIfCancellationRequested();
        throw new InvalidOperationException("The event channel wait ended without an event, a fault or a cancellation.");
    }
}
