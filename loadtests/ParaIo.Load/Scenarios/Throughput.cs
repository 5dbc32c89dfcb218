using ParaIo.Load.Linux;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParaIo.Load.Measurement;
using ParaIo.Load.Peers;
using ParaIo.Load.Reporting;
using ParaIo.Load.Wire;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Scenarios;

/// <summary>
/// <c>throughput</c>: 64-byte requests one way as fast as they go, their responses batched back.
/// The ParaIo frontend fills every free slot of a 16-page ring and pushes once; the backend
/// consumes all it sees, writes a response to each, and pushes once. The socket does the same work
/// (a window of 64-byte messages written in one send, a 16-byte ack per message written back in one
/// send); the limit is a bare single-producer single-consumer ring of 64-byte slots in the same
/// shared pool, with no responses and no checks (its consumer clears each slot it takes, the
/// fastest bare variant on this CPU). Both ends spin; the socket blocks in the kernel.
/// </summary>
internal static class Throughput
{
    public const string Name = "throughput";

    /// <summary>How many loop turns pass between clock reads: the clock is not free at tens of millions of requests a second.</summary>
    private const int TurnsPerClockRead = 64;

    private const int LimitTailOffset = 128;

    public static ScenarioResult Run(LoadSession session)
    {
        var queue = session.Throughput;
        var window = (int)queue.Ring.Size;
        var notificationsBefore = queue.Requests.Notifications;
        var limitPages = 1 + (window * LoadRequest.Size / PoolLayout.PageSize);
        var first = session.Guest.Pages.Allocate(limitPages);
        RateTotal ring = new(LoadRequest.Size), socket = new(LoadRequest.Size), limit = new(LoadRequest.Size);
        var sequence = 0ul; // the ring's request numbers run on from round to round
        var peer = session.Interleave(Name,
        [
            new Leg("paraio", PeerOp.RingThroughput, run => ring.Add(Ring(run, queue, ref sequence))) { Ring = RingIndex.Throughput },
            new Leg("socket", PeerOp.SocketThroughput, run => socket.Add(Socket(run, window))) { Argument = window },
            new Leg("limit", PeerOp.LimitThroughput, run => limit.Add(Limit(run, session.Guest.Pool.GetPages(first, limitPages), window))) { FirstPage = first, PageCount = limitPages, Argument = window },
        ]);

        var (ringFigures, socketFigures, limitFigures) = (ring.Result, socket.Result, limit.Result);
        var counters = new Dictionary<string, long>
        {
            ["ringSlots"] = window,
            ["frontendNotifications"] = queue.Requests.Notifications - notificationsBefore,
            ["backendNotifications"] = peer[0].Value0,
        };
        return new ScenarioResult(
            Name,
            "one-way 64-byte requests, responses batched back (millions of requests/s)",
            [
                new TransportFigures("paraio", $"16-page ring of {window} slots; frontend fills all free slots then pushes once, backend consumes all, answers each, pushes once; both poll", Rate: ringFigures, Counters: counters),
                new TransportFigures("socket", $"Unix-domain stream socket, a window of {window} 64-byte messages per send, a 16-byte ack per message, acks sent in one send per read", Rate: socketFigures),
                new TransportFigures("limit", $"bare SPSC ring of {window} 64-byte slots in the same pool: head and tail indices only, no responses, no checks; the consumer clears each slot it takes (FastForward-style)", Rate: limitFigures),
            ],
            [
                new ReportRow("M req/s", "M/s", false, ringFigures.MillionsPerSecond, socketFigures.MillionsPerSecond, limitFigures.MillionsPerSecond, "limit", "≥ 30 M/s", ringFigures.MillionsPerSecond >= 30),
            ]);
    }

    private static RateFigures Ring(RunContext run, FrontQueue<LoadRequest, LoadResponse> queue, ref ulong lastSequence)
    {
        var sequence = lastSequence;
        var ring = queue.Ring;
        var template = LoadRequest.Template();
        ulong answered = sequence, answeredAtStart = answered;
        var meter = new RateMeter(run.Window);
        var guard = new SpinGuard(RunContext.Deadline(meter.End), "ParaIo responses", run.Cancellation);
        var turns = 0;
        while (true)
        {
            if (++turns == TurnsPerClockRead)
            {
                turns = 0;
                if (meter.Tick(Clock.Now, (long)(answered - answeredAtStart)))
                {
                    break;
                }
            }

            while (ring.TryTakeResponse(out var response))
            {
                if (response.Sequence != ++answered)
                {
                    throw new InvalidDataException($"Response {response.Sequence} came back where {answered} was due.");
                }
            }

            var free = ring.FreeRequests;
            if (free == 0)
            {
                guard.Spin();
                continue;
            }

            guard.Progress();
            for (var i = 0; i < free; i++)
            {
                ref var request = ref ring.NextRequest();
                request = template;
                request.Sequence = ++sequence;
            }

            if (ring.PushRequests())
            {
                queue.Requests.Notify();
            }
        }

        while (ring.Outstanding > 0)
        {
            if (!ring.TryTakeResponse(out _))
            {
                guard.Spin();
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
        return meter.Result(LoadRequest.Size);
    }

    public static PeerReply ServeRing(PeerContext peer, in PeerCommand command)
    {
        using var queue = BackQueue<LoadRequest, LoadResponse>.Connect(peer.Mapper, peer.Offer(command));
        peer.Control.Reply(PeerReply.Ready);
        var ring = queue.Ring;
        var guard = PeerContext.Guard(command, "ParaIo requests");
        var stop = false;
        while (!stop)
        {
            var consumed = 0;
            while (ring.TryConsumeRequest(out var request))
            {
                ring.WriteResponse(new LoadResponse { Sequence = request.Sequence });
                stop |= request.IsStop;
                consumed++;
            }

            if (consumed != 0)
            {
                guard.Progress();
                if (ring.PushResponses())
                {
                    queue.Responses.Notify();
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

    private static RateFigures Socket(RunContext run, int window)
    {
        var socket = run.Data;
        var messages = new LoadRequest[window];
        messages.AsSpan().Fill(LoadRequest.Template());
        var sendBytes = MemoryMarshal.AsBytes(messages.AsSpan());
        var acks = new byte[window * LoadResponse.Size];
        var carried = 0;
        var inFlight = 0;
        ulong sequence = 0, answered = 0;
        var meter = new RateMeter(run.Window);
        while (true)
        {
            if (meter.Tick(Clock.Now, (long)answered))
            {
                break;
            }

            var free = window - inFlight;
            if (free > 0)
            {
                for (var i = 0; i < free; i++)
                {
                    messages[i].Sequence = ++sequence;
                }

                SocketIo.SendAll(socket, sendBytes[..(free * LoadRequest.Size)]);
                inFlight += free;
            }

            var count = ReceiveAcks(socket, acks, ref carried, ref answered);
            inFlight -= count;
            run.Cancellation.ThrowIfCancellationRequested();
        }

        while (inFlight > 0)
        {
            inFlight -= ReceiveAcks(socket, acks, ref carried, ref answered);
        }

        messages[0].Flags = LoadRequest.StopFlag;
        messages[0].Sequence = ++sequence;
        SocketIo.SendAll(socket, sendBytes[..LoadRequest.Size]);
        while (ReceiveAcks(socket, acks, ref carried, ref answered) == 0)
        {
        }

        return meter.Result(LoadRequest.Size);
    }

    /// <summary>Reads what acks there are (at least one byte, blocking) and checks their order; returns how many completed.</summary>
    private static int ReceiveAcks(System.Net.Sockets.Socket socket, byte[] acks, ref int carried, ref ulong answered)
    {
        var total = carried + SocketIo.ReceiveSome(socket, acks.AsSpan(carried));
        var count = total / LoadResponse.Size;
        for (var i = 0; i < count; i++)
        {
            var ack = MemoryMarshal.Read<LoadResponse>(acks.AsSpan(i * LoadResponse.Size));
            if (ack.Sequence != ++answered)
            {
                throw new InvalidDataException($"Ack {ack.Sequence} came back where {answered} was due.");
            }
        }

        carried = total - (count * LoadResponse.Size);
        acks.AsSpan(count * LoadResponse.Size, carried).CopyTo(acks);
        return count;
    }

    public static PeerReply ServeSocket(PeerContext peer, in PeerCommand command)
    {
        var socket = peer.Data;
        var window = checked((int)command.Argument);
        var received = new byte[window * LoadRequest.Size];
        var acks = new LoadResponse[window];
        var ackBytes = MemoryMarshal.AsBytes(acks.AsSpan());
        var carried = 0;
        var stop = false;
        peer.Control.Reply(PeerReply.Ready);
        while (!stop)
        {
            var total = carried + SocketIo.ReceiveSome(socket, received.AsSpan(carried));
            var count = total / LoadRequest.Size;
            for (var i = 0; i < count; i++)
            {
                var message = MemoryMarshal.Read<LoadRequest>(received.AsSpan(i * LoadRequest.Size));
                acks[i] = new LoadResponse { Sequence = message.Sequence };
                stop |= message.IsStop;
            }

            carried = total - (count * LoadRequest.Size);
            received.AsSpan(count * LoadRequest.Size, carried).CopyTo(received);
            if (count > 0)
            {
                SocketIo.SendAll(socket, ackBytes[..(count * LoadResponse.Size)]);
            }
        }

        return new PeerReply(PeerStatus.Done);
    }

    private static RateFigures Limit(RunContext run, Span<byte> memory, int window)
    {
        ref var head = ref Unsafe.As<byte, ulong>(ref memory[0]);
        ref var tail = ref Unsafe.As<byte, ulong>(ref memory[LimitTailOffset]);
        var slots = MemoryMarshal.Cast<byte, LoadRequest>(memory[PoolLayout.PageSize..]);
        var mask = (ulong)window - 1;
        var template = LoadRequest.Template();
        // Indices run on from the last round, which ended with the consumer caught up.
        ulong produced = head, consumed = produced, consumedAtStart = consumed;
        var meter = new RateMeter(run.Window);
        var guard = new SpinGuard(RunContext.Deadline(meter.End), "the limit's consumer", run.Cancellation);
        var turns = 0;
        var stopping = false;
        while (true)
        {
            if (++turns == TurnsPerClockRead)
            {
                turns = 0;
                stopping = meter.Tick(Clock.Now, (long)(Volatile.Read(ref tail) - consumedAtStart));
            }

            if (stopping)
            {
                break;
            }

            var free = (int)((ulong)window - (produced - consumed));
            if (free == 0)
            {
                // The tail is read only when the cached copy says the ring is full, so the
                // consumer's line is not pulled over on every turn (the SPSC textbook trick).
                // Acquire: slots the consumer has passed are free to overwrite.
                consumed = Volatile.Read(ref tail);
                free = (int)((ulong)window - (produced - consumed));
                if (free == 0)
                {
                    guard.Spin();
                    continue;
                }
            }

            guard.Progress();
            for (var i = 0; i < free; i++)
            {
                ref var slot = ref slots[(int)(++produced & mask)];
                slot = template;
                slot.Sequence = produced;
            }

            // Release: the slots are written before head says they are there.
            Volatile.Write(ref head, produced);
        }

        while (Volatile.Read(ref tail) != produced)
        {
            guard.Spin();
        }

        template.Flags = LoadRequest.StopFlag;
        template.Sequence = ++produced;
        slots[(int)(produced & mask)] = template;
        Volatile.Write(ref head, produced);
        while (Volatile.Read(ref tail) != produced)
        {
            guard.Spin();
        }

        return meter.Result(LoadRequest.Size);
    }

    public static PeerReply ServeLimit(PeerContext peer, in PeerCommand command)
    {
        using var bare = BareMapping.Map(peer.Pool, command.FirstPage, command.PageCount);
        var memory = bare.Span;
        ref var head = ref Unsafe.As<byte, ulong>(ref memory[0]);
        ref var tail = ref Unsafe.As<byte, ulong>(ref memory[LimitTailOffset]);
        var slots = MemoryMarshal.Cast<byte, LoadRequest>(memory[PoolLayout.PageSize..]);
        var mask = (ulong)command.Argument - 1;
        // The last round left the consumer caught up; indices run on from there.
        ulong consumed = Volatile.Read(ref tail), checksum = 0;
        peer.Control.Reply(PeerReply.Ready);
        var guard = PeerContext.Guard(command, "the limit's producer");
        var stop = false;
        while (!stop)
        {
            // Acquire: the slots are read only after head says they are there.
            var produced = Volatile.Read(ref head);
            if (produced == consumed)
            {
                guard.Spin();
                continue;
            }

            while (consumed != produced)
            {
                ref var slot = ref slots[(int)(++consumed & mask)];
                // The same single copy out of shared memory the ParaIo backend makes.
                Unsafe.SkipInit(out LoadRequest message);
                Unsafe.CopyBlockUnaligned(ref Unsafe.As<LoadRequest, byte>(ref message), ref Unsafe.As<LoadRequest, byte>(ref slot), LoadRequest.Size);
                // Clear the slot, as FastForward-style queues do. A line the consumer leaves
                // Modified goes back to the producer faster than one it leaves Shared: here the
                // bare ring ran at ~85 M/s without this store and 120-240 M/s with it.
                slot.Sequence = 0;
                checksum += message.Sequence;
                stop |= message.IsStop;
            }

            // Release: the slots are read before tail hands them back.
            Volatile.Write(ref tail, consumed);
            guard.Progress();
        }

        return new PeerReply(PeerStatus.Done, (long)checksum);
    }
}
