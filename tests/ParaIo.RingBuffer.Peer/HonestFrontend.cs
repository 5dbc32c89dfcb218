using System.Net.Sockets;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.RingBuffer.Peer;

/// <summary>A well-behaved guest: sends --count requests in batches and checks every answer.</summary>
public static class HonestFrontend
{
    public static int Run(Socket socket, PeerOptions options)
    {
        var count = options.Long("count", 10_000);
        var batch = (int)options.Long("batch", 16);
        var startIndex = (uint)options.Long("start-index", 0);
        var domain = (ushort)options.Long("domain", 1);
        using var guest = GuestMemory.Create(256, domain);
        var queue = guest.CreateQueue<EchoRequest, EchoResponse>(backendDomain: 0, pageOrder: (int)options.Long("order", 0), startIndex);
        PoolHandoff.Send(socket, guest.Pool, domain, [queue.Offer]);
        var error = Exchange(queue, count, batch, options.Spin);
        if (error is not null)
        {
            Console.WriteLine($"error {error}");
            return 1;
        }

        Console.WriteLine($"ok count={count} notifications={queue.Requests.Notifications} sleeps={queue.Responses.Sleeps} req_prod={queue.Ring.RequestProducer}");
        return 0;
    }

    /// <summary>Runs <paramref name="count"/> requests through the queue; returns an error or null.</summary>
    public static string? Exchange(FrontQueue<EchoRequest, EchoResponse> queue, long count, int batch, TimeSpan spin)
    {
        ulong nextId = 1;
        ulong expectedId = 1;
        var ring = queue.Ring;
        while ((long)expectedId <= count)
        {
            var toSend = (int)Math.Min(Math.Min(batch, ring.FreeRequests), count - (long)nextId + 1);
            for (var i = 0; i < toSend; i++)
            {
                ref var request = ref ring.NextRequest();
                request = default;
                request.Id = nextId;
                request.Value = nextId * 7;
                nextId++;
            }

            queue.Push();
            if (!queue.WaitForResponses(spin, timeoutMs: 10_000))
            {
                return $"no response after request {expectedId} within 10 s (fault: {ring.Fault?.Reason ?? "none"})";
            }

            while (ring.TryTakeResponse(out var response))
            {
                if (response.Id != expectedId || response.Status != EchoProtocol.StatusOk || response.Result != EchoProtocol.Expected(expectedId, expectedId * 7))
                {
                    return $"response {response.Id} (status {response.Status}, result {response.Result}) does not answer request {expectedId}";
                }

                expectedId++;
            }
        }

        return null;
    }
}
