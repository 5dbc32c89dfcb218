using ParaIo.RingBuffer.Events;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Handoff;

/// <summary>
/// A frontend's queue: its ring, granted to the backend, and the two event channel ports that
/// go with it (requests one way, responses the other, since a ParaIo port rings in one direction).
/// </summary>
public sealed class FrontQueue<TRequest, TResponse> : IDisposable
    where TRequest : unmanaged
    where TResponse : unmanaged
{
    private readonly GuestMemory _memory;
    private readonly bool[] _ended;
    private bool _disposed;

    internal FrontQueue(GuestMemory memory, FrontRing<TRequest, TResponse> ring, GrantRef[] refs, EventChannel requests, EventChannel responses)
    {
        _memory = memory;
        Ring = ring;
        Requests = requests;
        Responses = responses;
        Offer = new RingOffer(refs, requests.Port, responses.Port);
        _ended = new bool[refs.Length];
    }

    /// <summary>The ring.</summary>
    public FrontRing<TRequest, TResponse> Ring { get; }

    /// <summary>The port this frontend notifies after publishing requests.</summary>
    public EventChannel Requests { get; }

    /// <summary>The port this frontend waits on for responses.</summary>
    public EventChannel Responses { get; }

    /// <summary>What the backend needs to connect.</summary>
    public RingOffer Offer { get; }

    /// <summary>Publishes written requests and notifies the backend if its event index asks for it.</summary>
    public void Push()
    {
        if (Ring.PushRequests())
        {
            Requests.Notify();
        }
    }

    /// <summary>
    /// Waits until responses are there: spins up to <paramref name="spin"/>, then arms rsp_event and
    /// sleeps. Returns false on timeout or cancellation.
    /// </summary>
    public bool WaitForResponses(TimeSpan spin, int timeoutMs = -1, CancellationToken cancellation = default)
    {
        while (!Ring.FinalCheckForResponses())
        {
            if (Ring.Fault is not null || !Responses.Wait(spin, timeoutMs, cancellation))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Ends access to the ring pages and frees them and the ports. Throws while the backend still
    /// maps a page; call again once it has unmapped (pages already ended are not ended twice).
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        for (var i = 0; i < _ended.Length; i++)
        {
            if (!_ended[i])
            {
                _memory.Grants.EndAccess(Offer.RingRefs[i]);
                _ended[i] = true;
            }
        }

        _memory.Pages.Free(Ring.FirstPage, 1 << Ring.PageOrder);
        _memory.Events.Free(Requests);
        _memory.Events.Free(Responses);
        _disposed = true;
    }
}
