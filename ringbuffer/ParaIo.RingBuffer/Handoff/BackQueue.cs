using ParaIo.RingBuffer.Events;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Handoff;

/// <summary>
/// The backend's end of a frontend's queue: the ring mapped through the grant mapper and the two
/// ports bound. Every number in the offer is checked before anything is mapped or bound.
/// </summary>
public sealed class BackQueue<TRequest, TResponse> : IDisposable
    where TRequest : unmanaged
    where TResponse : unmanaged
{
    private BackQueue(BackRing<TRequest, TResponse> ring, EventChannel requests, EventChannel responses)
    {
        Ring = ring;
        Requests = requests;
        Responses = responses;
    }

    /// <summary>The ring.</summary>
    public BackRing<TRequest, TResponse> Ring { get; }

    /// <summary>The port this backend waits on for requests.</summary>
    public EventChannel Requests { get; }

    /// <summary>The port this backend notifies after publishing responses.</summary>
    public EventChannel Responses { get; }

    /// <summary>Maps the offered ring and binds its ports.</summary>
    /// <exception cref="GrantAccessException">A ring grant was refused.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A port is out of range, or both directions name one port.</exception>
    public static BackQueue<TRequest, TResponse> Connect(GrantMapper mapper, RingOffer offer, uint? startIndex = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentNullException.ThrowIfNull(offer);
        if (offer.RequestPort == offer.ResponsePort)
        {
            throw new ArgumentOutOfRangeException(nameof(offer), $"Both directions of the queue name event channel port {offer.RequestPort}.");
        }

        var requests = EventChannel.Bind(mapper.Pool, offer.RequestPort);
        var responses = EventChannel.Bind(mapper.Pool, offer.ResponsePort);
        var mapping = mapper.MapRing(offer.RingRefs);
        try
        {
            return new BackQueue<TRequest, TResponse>(BackRing<TRequest, TResponse>.Attach(mapping, startIndex), requests, responses);
        }
        catch
        {
            mapping.Dispose(); // a ring too small for one entry: leave nothing mapped
            throw;
        }
    }

    /// <summary>Publishes written responses and notifies the frontend if its event index asks for it.</summary>
    public void Push()
    {
        if (Ring.PushResponses())
        {
            Responses.Notify();
        }
    }

    /// <summary>
    /// Waits until requests are there: spins up to <paramref name="spin"/>, then arms req_event and
    /// sleeps. Returns false on timeout, cancellation, or a faulted ring.
    /// </summary>
    public bool WaitForRequests(TimeSpan spin, int timeoutMs = -1, CancellationToken cancellation = default)
    {
        while (!Ring.FinalCheckForRequests())
        {
            if (Ring.IsFaulted || !Requests.Wait(spin, timeoutMs, cancellation))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Unmaps the ring.</summary>
    public void Dispose() => Ring.Mapping.Dispose();
}
