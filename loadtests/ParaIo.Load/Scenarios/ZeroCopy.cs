using System.Buffers.Binary;
using ParaIo.Load.Measurement;
using ParaIo.Load.Peers;
using ParaIo.Load.Reporting;
using ParaIo.Load.Wire;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Scenarios;

/// <summary>
/// <c>zero-copy</c>: 64 KiB payloads from the guest to the backend, which reads every byte. ParaIo
/// sends 16 grant references per request; the backend maps each page read-only through the grant
/// mapper (checks, busy bit), XOR-folds it and unmaps it. The socket sends the 64 KiB (behind a
/// 16-byte header) and the receiver reads it into its buffer and folds it the same way. Both keep
/// 8 requests in flight over the same 8 cached buffers, which the producer never rewrites, and
/// both check every fold that comes back.
/// </summary>
internal static class ZeroCopy
{
    public const string Name = "zero-copy";

    private const int Buffers = 8;
    private const int PagesPerBuffer = ZeroCopyRequest.MaxPages;
    private const int PayloadBytes = PagesPerBuffer * PoolLayout.PageSize;
    private const int SocketHeaderBytes = 16;
    private const int TurnsPerClockRead = 16;

    public static ScenarioResult Run(LoadSession session)
    {
        var payloads = Payloads.Create(session.Guest);
        var queue = session.ZeroCopy;
        RateTotal ring = new(PayloadBytes), socket = new(PayloadBytes);
        var sequence = 0ul; // the ring's request numbers run on from round to round
        var peer = session.Interleave(Name,
        [
            new Leg("paraio", PeerOp.RingZeroCopy, run => ring.Add(Ring(run, queue, payloads, ref sequence))) { Ring = RingIndex.ZeroCopy },
            new Leg("socket", PeerOp.SocketZeroCopy, run => socket.Add(Socket(run, payloads))),
        ]);

        var (ringFigures, socketFigures) = (ring.Result, socket.Result);
        var counters = new Dictionary<string, long>
        {
            ["pagesMapped"] = peer[0].Value1,
            ["backendNotifications"] = peer[0].Value0,
        };
        return new ScenarioResult(
            Name,
            "64 KiB payloads read by the other side, 8 in flight (GB/s)",
            [
                new TransportFigures("paraio", "16 grant references per request; backend maps each 4 KiB page read-only with GrantMapper, XOR-folds it with Vector<T>, unmaps; both ends poll", Rate: ringFigures, Counters: counters),
                new TransportFigures("socket", "Unix-domain stream socket, 16-byte header + 64 KiB per message, receiver reads into its buffer and XOR-folds it; 16-byte reply", Rate: socketFigures),
            ],
            [
                new ReportRow("GB/s", "GB/s", false, ringFigures.GigabytesPerSecond, socketFigures.GigabytesPerSecond, null, null, "≥ 5× socket", ringFigures.GigabytesPerSecond >= 5 * socketFigures.GigabytesPerSecond),
            ]);
    }

    private static RateFigures Ring(RunContext run, FrontQueue<ZeroCopyRequest, ZeroCopyResponse> queue, Payloads payloads, ref ulong lastSequence)
    {
        var ring = queue.Ring;
        ulong sequence = lastSequence, answered = sequence, answeredAtStart = answered;
        var meter = new RateMeter(run.Window);
        var guard = new SpinGuard(RunContext.Deadline(meter.End), "ParaIo zero-copy responses", run.Cancellation);
        for (var i = 0; i < Buffers; i++)
        {
            Issue(ring, payloads, ref sequence);
        }

        queue.Push();
        var turns = 0;
        var stopping = false;
        while (!stopping || answered != sequence)
        {
            if (++turns == TurnsPerClockRead)
            {
                turns = 0;
                stopping |= meter.Tick(Clock.Now, (long)(answered - answeredAtStart));
            }

            var answers = 0;
            while (ring.TryTakeResponse(out var response))
            {
                answered++;
                payloads.Check(response.Sequence, answered, response.Fold);
                answers++;
                if (!stopping)
                {
                    Issue(ring, payloads, ref sequence);
                }
            }

            if (answers == 0)
            {
                guard.Spin();
                continue;
            }

            guard.Progress();
            if (ring.PushRequests())
            {
                queue.Requests.Notify();
            }
        }

        ring.NextRequest() = new ZeroCopyRequest { Sequence = ++sequence, Flags = LoadRequest.StopFlag };
        queue.Push();
        while (!ring.TryTakeResponse(out _))
        {
            guard.Spin();
        }

        lastSequence = sequence;
        return meter.Result(PayloadBytes);
    }

    private static void Issue(RingBuffer.Rings.FrontRing<ZeroCopyRequest, ZeroCopyResponse> ring, Payloads payloads, ref ulong sequence)
    {
        ref var request = ref ring.NextRequest();
        request = payloads.Requests[(int)(sequence % Buffers)];
        request.Sequence = ++sequence;
    }

    public static PeerReply ServeRing(PeerContext peer, in PeerCommand command)
    {
        using var queue = BackQueue<ZeroCopyRequest, ZeroCopyResponse>.Connect(peer.Mapper, peer.Offer(command));
        peer.Control.Reply(PeerReply.Ready);
        var ring = queue.Ring;
        var mapper = peer.Mapper;
        var guard = PeerContext.Guard(command, "ParaIo zero-copy requests");
        var stop = false;
        long pagesMapped = 0;
        while (!stop)
        {
            var consumed = 0;
            while (ring.TryConsumeRequest(out var request))
            {
                consumed++;
                stop |= request.IsStop;
                // The page count comes from the guest: bound it before it indexes anything.
                var pages = request.PageCount;
                if (pages > ZeroCopyRequest.MaxPages)
                {
                    throw new InvalidDataException($"Request {request.Sequence} names {pages} pages; at most {ZeroCopyRequest.MaxPages} fit.");
                }

                var fold = 0ul;
                for (var i = 0; i < (int)pages; i++)
                {
                    var grant = new GrantRef(request.Grants[i]);
                    if (!mapper.TryMap(grant, GrantAccess.Read, out var mapping, out var error))
                    {
                        throw new InvalidDataException("Map refused: " + mapper.Describe(grant, GrantAccess.Read, error));
                    }

                    fold ^= XorFold.Fold(mapping.ReadOnlySpan);
                    mapper.Unmap(mapping);
                }

                pagesMapped += pages;
                ring.WriteResponse(new ZeroCopyResponse { Sequence = request.Sequence, Fold = fold });
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

        return new PeerReply(PeerStatus.Done, queue.Responses.Notifications, pagesMapped);
    }

    private static RateFigures Socket(RunContext run, Payloads payloads)
    {
        var socket = run.Data;
        var replies = new byte[Buffers * ZeroCopyResponse.Size];
        var carried = 0;
        var inFlight = 0;
        ulong sequence = 0, answered = 0;
        var meter = new RateMeter(run.Window);
        var stopping = false;
        while (!stopping || inFlight > 0)
        {
            stopping |= meter.Tick(Clock.Now, (long)answered);
            while (!stopping && inFlight < Buffers)
            {
                var message = payloads.SocketMessages[(int)(sequence % Buffers)];
                BinaryPrimitives.WriteUInt64LittleEndian(message, ++sequence);
                SocketIo.SendAll(socket, message);
                inFlight++;
            }

            if (inFlight == 0)
            {
                break;
            }

            var total = carried + SocketIo.ReceiveSome(socket, replies.AsSpan(carried));
            var count = total / ZeroCopyResponse.Size;
            for (var i = 0; i < count; i++)
            {
                var reply = replies.AsSpan(i * ZeroCopyResponse.Size);
                answered++;
                payloads.Check(BinaryPrimitives.ReadUInt64LittleEndian(reply), answered, BinaryPrimitives.ReadUInt64LittleEndian(reply[8..]));
            }

            carried = total - (count * ZeroCopyResponse.Size);
            replies.AsSpan(count * ZeroCopyResponse.Size, carried).CopyTo(replies);
            inFlight -= count;
            run.Cancellation.ThrowIfCancellationRequested();
        }

        var stop = new byte[SocketHeaderBytes + PayloadBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(stop, ++sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(stop.AsSpan(8), LoadRequest.StopFlag);
        SocketIo.SendAll(socket, stop);
        SocketIo.ReceiveExactly(socket, replies.AsSpan(0, ZeroCopyResponse.Size));
        return meter.Result(PayloadBytes);
    }

    public static PeerReply ServeSocket(PeerContext peer, in PeerCommand command)
    {
        var socket = peer.Data;
        var message = new byte[SocketHeaderBytes + PayloadBytes];
        var reply = new byte[ZeroCopyResponse.Size];
        peer.Control.Reply(PeerReply.Ready);
        while (true)
        {
            SocketIo.ReceiveExactly(socket, message);
            var fold = XorFold.Fold(message.AsSpan(SocketHeaderBytes));
            BinaryPrimitives.WriteUInt64LittleEndian(reply, BinaryPrimitives.ReadUInt64LittleEndian(message));
            BinaryPrimitives.WriteUInt64LittleEndian(reply.AsSpan(8), fold);
            SocketIo.SendAll(socket, reply);
            if ((BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(8)) & LoadRequest.StopFlag) != 0)
            {
                return new PeerReply(PeerStatus.Done);
            }
        }
    }

    /// <summary>
    /// The 8 cached 64 KiB payloads: random bytes written once into guest pages granted read-only to
    /// the backend, the same bytes in 8 private buffers for the socket, and the fold each must give.
    /// </summary>
    private sealed class Payloads
    {
        private readonly ulong[] _folds = new ulong[Buffers];

        public ZeroCopyRequest[] Requests { get; } = new ZeroCopyRequest[Buffers];

        public byte[][] SocketMessages { get; } = new byte[Buffers][];

        public static Payloads Create(GuestMemory guest)
        {
            var payloads = new Payloads();
            var random = new Random(0x5A1A);
            for (var b = 0; b < Buffers; b++)
            {
                var first = guest.Pages.Allocate(PagesPerBuffer);
                var bytes = guest.Pool.GetPages(first, PagesPerBuffer);
                random.NextBytes(bytes);
                payloads._folds[b] = XorFold.Fold(bytes);
                payloads.SocketMessages[b] = new byte[SocketHeaderBytes + PayloadBytes];
                bytes.CopyTo(payloads.SocketMessages[b].AsSpan(SocketHeaderBytes));
                ref var request = ref payloads.Requests[b];
                request.PageCount = PagesPerBuffer;
                for (var p = 0; p < PagesPerBuffer; p++)
                {
                    request.Grants[p] = guest.Grants.GrantAccess(toDomain: 0, first + p, readOnly: true).Value;
                }
            }

            return payloads;
        }

        /// <summary>Checks that answers come in order and that the fold is right for the buffer the request named.</summary>
        public void Check(ulong sequence, ulong expected, ulong fold)
        {
            if (sequence != expected || fold != _folds[(int)((sequence - 1) % Buffers)])
            {
                throw new InvalidDataException($"Answer {sequence} (fold {fold:x16}) does not match request {expected}.");
            }
        }
    }
}
