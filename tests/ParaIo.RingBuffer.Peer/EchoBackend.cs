using System.Net.Sockets;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Peer;

/// <summary>
/// The backend of the echo service: consumes requests (each copied out once by the ring), serves
/// them from the copy, and stops the queue on the first protocol fault.
/// </summary>
public sealed class EchoBackend
{
    private readonly BackQueue<EchoRequest, EchoResponse> _queue;
    private readonly TimeSpan _spin;
    private readonly bool _poll;
    private long _served;
    private long _rejected;

    public EchoBackend(BackQueue<EchoRequest, EchoResponse> queue, TimeSpan spin, bool poll)
    {
        _queue = queue;
        _spin = spin;
        _poll = poll;
    }

    public long Served => Volatile.Read(ref _served);

    public long Rejected => Volatile.Read(ref _rejected);

    public RingFault? Fault => _queue.Ring.Fault;

    /// <summary>Serves until cancelled or until the ring faults. Never throws for what the guest does.</summary>
    public void Run(CancellationToken cancellation)
    {
        var ring = _queue.Ring;
        while (!cancellation.IsCancellationRequested && !ring.IsFaulted)
        {
            var batch = 0;
            while (ring.TryConsumeRequest(out var request))
            {
                var response = EchoProtocol.Serve(request);
                if (response.Status != EchoProtocol.StatusOk)
                {
                    _rejected++;
                }

                ring.WriteResponse(response);
                _served++;
                if (++batch == 64)
                {
                    _queue.Push();
                    batch = 0;
                }
            }

            _queue.Push();
            if (_poll)
            {
                Thread.SpinWait(1);
                continue;
            }

            _queue.WaitForRequests(_spin, timeoutMs: 200, cancellation);
        }
    }

    /// <summary>Peer role "backend": receives a guest's handoff and serves its first queue.</summary>
    public static int RunPeer(Socket socket, PeerOptions options)
    {
        var (pool, domain, offers) = PoolHandoff.Receive(socket);
        using (pool)
        {
            var mapper = new GrantMapper(pool, localDomain: 0, guestDomain: domain);
            using var queue = BackQueue<EchoRequest, EchoResponse>.Connect(mapper, offers[0]);
            var backend = new EchoBackend(queue, options.Spin, poll: options.String("mode", "block") == "poll");
            using var stop = new CancellationTokenSource();
            var watcher = new Thread(() =>
            {
                // The test closes its end of the socket to stop us.
                try
                {
                    socket.Receive(new byte[1]);
                }
                catch (SocketException)
                {
                }

                stop.Cancel();
            }) { IsBackground = true };
            watcher.Start();
            Console.WriteLine("ready");
            backend.Run(stop.Token);
            Console.WriteLine($"ok served={backend.Served} rejected={backend.Rejected} sleeps={queue.Requests.Sleeps} notifications={queue.Responses.Notifications} fault={backend.Fault?.Kind.ToString() ?? "none"}");
            return 0;
        }
    }
}
