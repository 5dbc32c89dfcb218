using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Peer;

/// <summary>
/// A guest that lies. It hands over a real pool and queue, then attacks the backend through the
/// shared memory it owns (--attack scribble | race-ahead | rewind | rewrite) for --seconds.
/// </summary>
public static class HostileFrontend
{
    public static int Run(Socket socket, PeerOptions options)
    {
        var seconds = options.Long("seconds", 2);
        var domain = (ushort)options.Long("domain", 9);
        using var guest = GuestMemory.Create(64, domain);
        var queue = guest.CreateQueue<EchoRequest, EchoResponse>(backendDomain: 0, pageOrder: 0);
        PoolHandoff.Send(socket, guest.Pool, domain, [queue.Offer]);
        // Attack only once the backend has mapped the queue: before that, a scribbled grant table
        // just gets the connection refused, which is not what these attacks are about.
        socket.ReceiveTimeout = 20_000;
        socket.Receive(new byte[1]);
        var ringBytes = guest.Pool.GetPages(queue.Ring.FirstPage, 1);
        var until = Stopwatch.GetTimestamp() + (seconds * Stopwatch.Frequency);
        var attack = options.String("attack", "scribble");
        switch (attack)
        {
            case "scribble":
                Scribble(guest, ringBytes, queue, until, (int)options.Long("seed", 1));
                break;
            case "race-ahead":
                SendValid(queue, 4);
                // req_prod jumps more than a ring ahead of what the backend has answered.
                Publish(ringBytes, queue.Ring.RequestProducer + queue.Ring.Size + 7, queue);
                break;
            case "rewind":
                SendValid(queue, 8);
                Publish(ringBytes, queue.Ring.RequestProducer - 5, queue);
                break;
            case "rewrite":
                return Rewrite(queue, until);
            default:
                throw new ArgumentException($"Unknown attack '{attack}'.");
        }

        Console.WriteLine($"ok attack={attack}");
        // Stay alive (and keep the pool mapped) until the test is done looking.
        Thread.Sleep(TimeSpan.FromSeconds(Math.Max(1, seconds)));
        return 0;
    }

    /// <summary>Random bytes over the ring, the grant table and the event ports, with pushes in between.</summary>
    private static void Scribble(GuestMemory guest, Span<byte> ringBytes, FrontQueue<EchoRequest, EchoResponse> queue, long until, int seed)
    {
        var random = new Random(seed);
        var pool = guest.Pool;
        Span<byte> chunk = stackalloc byte[16];
        var rounds = 0L;
        while (Stopwatch.GetTimestamp() < until)
        {
            random.NextBytes(chunk);
            switch (random.Next(4))
            {
                case 0: // the shared indices
                    var field = random.Next(4) * RingLayout.IndexStride;
                    BinaryPrimitives.WriteUInt32LittleEndian(ringBytes[field..], BinaryPrimitives.ReadUInt32LittleEndian(chunk));
                    break;
                case 1: // the slots
                    var offset = RingLayout.HeaderSize + random.Next(ringBytes.Length - RingLayout.HeaderSize - chunk.Length);
                    chunk.CopyTo(ringBytes[offset..]);
                    break;
                case 2: // grant entries and event ports: metadata pages just below the data pages
                    ScribbleMetadata(pool, random, chunk);
                    break;
                default:
                    queue.Requests.Notify();
                    break;
            }

            if (++rounds % 1024 == 0)
            {
                Thread.Yield();
            }
        }
    }

    private static unsafe void ScribbleMetadata(Grants.GrantPool pool, Random random, ReadOnlySpan<byte> chunk)
    {
        // The guest owns its metadata pages as much as its data pages; reach them through the mapping.
        var data = pool.GetPage(pool.Geometry.FirstDataPage);
        fixed (byte* first = data)
        {
            var metadataBytes = (pool.Geometry.FirstDataPage - 1) * Grants.PoolLayout.PageSize;
            var metadata = new Span<byte>(first - metadataBytes, metadataBytes);
            chunk.CopyTo(metadata[random.Next(metadata.Length - chunk.Length)..]);
        }
    }

    private static void SendValid(FrontQueue<EchoRequest, EchoResponse> queue, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            ref var request = ref queue.Ring.NextRequest();
            request = default;
            request.Id = (ulong)i;
        }

        queue.Push();
        queue.WaitForResponses(TimeSpan.FromMilliseconds(1), timeoutMs: 5000);
        while (queue.Ring.TryTakeResponse(out _))
        {
        }
    }

    private static void Publish(Span<byte> ringBytes, uint requestProducer, FrontQueue<EchoRequest, EchoResponse> queue)
    {
        ref var shared = ref MemoryMarshal.AsRef<uint>(ringBytes[RingLayout.RequestProducerOffset..]);
        Volatile.Write(ref shared, requestProducer);
        queue.Requests.Notify();
    }

    /// <summary>
    /// Keeps requests flowing while another thread rewrites, after the push, the Length of whichever
    /// slot the backend under test says it has just validated (<see cref="RewriteWindow"/>). A
    /// backend that validates one read and uses another is fooled every time; the handshake makes
    /// the race certain instead of a matter of scheduling luck.
    /// </summary>
    private static unsafe int Rewrite(FrontQueue<EchoRequest, EchoResponse> queue, long until)
    {
        var ring = queue.Ring;
        var slotSize = RingLayout.SlotSize<EchoRequest, EchoResponse>();
        var lengthOffset = (int)Marshal.OffsetOf<EchoRequest>(nameof(EchoRequest.Length));
        var stop = 0;
        byte* ringBase;
        // The pool is unmanaged memory: the address stays valid after the fixed block.
        fixed (byte* pointer = RingPages(queue))
        {
            ringBase = pointer;
        }

        var rewrites = 0L;
        var rewriter = new Thread(() =>
        {
            var window = new RewriteWindow(ringBase);
            var seen = 0u;
            while (Volatile.Read(ref stop) == 0)
            {
                if (!window.TryTakeRequest(ref seen, out var slot))
                {
                    Thread.SpinWait(1);
                    continue;
                }

                var length = (uint*)(ringBase + RingLayout.HeaderSize + ((slot & (ring.Size - 1)) * slotSize) + lengthOffset);
                Volatile.Write(ref *length, 0x7FFF_FFFF);
                window.Acknowledge(seen);
                rewrites++;
            }
        }) { IsBackground = true };
        rewriter.Start();
        long sent = 0, answered = 0;
        while (Stopwatch.GetTimestamp() < until && ring.Fault is null)
        {
            while (ring.FreeRequests > 0)
            {
                ref var request = ref ring.NextRequest();
                request.Id = (ulong)++sent;
                request.Length = 8;
            }

            queue.Push();
            queue.WaitForResponses(TimeSpan.FromMilliseconds(1), timeoutMs: 1000);
            while (ring.TryTakeResponse(out _))
            {
                answered++;
            }
        }

        Volatile.Write(ref stop, 1);
        rewriter.Join();
        Console.WriteLine($"ok attack=rewrite sent={sent} answered={answered} rewrites={rewrites}");
        return 0;
    }

    private static Span<byte> RingPages(FrontQueue<EchoRequest, EchoResponse> queue) =>
        queue.Requests.Pool.GetPages(queue.Ring.FirstPage, 1 << queue.Ring.PageOrder);
}
