using System.Globalization;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.Store.Xenbus;

namespace ParaIo.Block.Tests;

/// <summary>
/// A frontend that writes whatever ring entries a test hands it — well-formed or not — and reads
/// the responses: the hostile guest of the block tests.
/// </summary>
internal sealed class RawFrontend : IDisposable
{
    private readonly GuestMemory _memory;
    private readonly List<int> _pages = [];

    public RawFrontend(GuestMemory memory, bool persistent = false)
    {
        _memory = memory;
        Persistent = persistent;
        Queue = memory.CreateQueue<BlkifRequest, BlkifResponse>(backendDomain: 0, pageOrder: 0);
    }

    public FrontQueue<BlkifRequest, BlkifResponse> Queue { get; }

    /// <summary>Writes <c>feature-persistent</c> = 1: the promise to grant every data page writable.</summary>
    public bool Persistent { get; }

    public IReadOnlyDictionary<string, string> Keys => new Dictionary<string, string>
    {
        [BlockKeys.FeaturePersistent] = Persistent ? "1" : "0",
        [XenbusPaths.RingRef(0, 0)] = Queue.Offer.RingRefs[0].ToString(),
        [XenbusPaths.EventChannel] = Queue.Offer.RequestPort.ToString(CultureInfo.InvariantCulture),
        [XenbusPaths.EventChannelResponse] = Queue.Offer.ResponsePort.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Allocates a data page and grants it to the backend.</summary>
    public (int Page, GrantRef Grant) GrantPage(bool readOnly = false)
    {
        var page = _memory.Pages.Allocate();
        _pages.Add(page);
        return (page, _memory.Grants.GrantAccess(0, page, readOnly));
    }

    public Span<byte> PageBytes(int page) => _memory.Pool.GetPage(page);

    public void Send(in BlkifRequest request)
    {
        Queue.Ring.NextRequest() = request;
        Queue.Push();
    }

    /// <summary>The next response, or a timeout failure.</summary>
    public BlkifResponse Receive()
    {
        var deadline = Environment.TickCount64 + (long)Waits.Limit.TotalMilliseconds;
        while (true)
        {
            if (Queue.Ring.TryTakeResponse(out var response))
            {
                return response;
            }

            var left = deadline - Environment.TickCount64;
            if (left <= 0 || !Queue.WaitForResponses(TimeSpan.FromMicroseconds(50), (int)left))
            {
                throw new TimeoutException("The backend did not answer.");
            }
        }
    }

    /// <summary>True when no response arrives within <paramref name="milliseconds"/>.</summary>
    public bool Silent(int milliseconds) =>
        !Queue.WaitForResponses(TimeSpan.Zero, milliseconds) && Queue.Ring.UnconsumedResponses == 0;

    public static BlkifRequest Transfer(BlkifOperation operation, ulong id, ulong sector, params BlkifSegment[] segments)
    {
        var request = new BlkifRequest { Operation = operation, Id = id, SectorNumber = sector, SegmentCount = (byte)segments.Length };
        for (var i = 0; i < Math.Min(segments.Length, BlkifProtocol.MaxSegmentsPerRequest); i++)
        {
            request.Segments[i] = segments[i];
        }

        return request;
    }

    public void Dispose()
    {
        Queue.Dispose();
    }
}
