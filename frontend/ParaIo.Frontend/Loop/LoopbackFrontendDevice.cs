using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Loop;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Loop;

/// <summary>A connected loopback device: sends a value and checks the backend's answer.</summary>
public sealed class LoopbackFrontendDevice : IFrontendDevice
{
    private readonly FrontQueue<LoopRequest, LoopResponse> _queue;
    private readonly Lock _lock = new();
    private ulong _nextId;

    internal LoopbackFrontendDevice(FrontQueue<LoopRequest, LoopResponse> queue, IReadOnlyDictionary<string, string> keys)
    {
        _queue = queue;
        PublishedKeys = keys;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> PublishedKeys { get; }

    /// <summary>
    /// Sends one request and waits for its answer; returns false when no correct answer came
    /// within <paramref name="timeoutMs"/>.
    /// </summary>
    public bool RoundTrip(ulong value, int timeoutMs = 5000)
    {
        lock (_lock)
        {
            var id = ++_nextId;
            ref var request = ref _queue.Ring.NextRequest();
            request = new LoopRequest { Id = id, Value = value };
            _queue.Push();
            if (!_queue.WaitForResponses(TimeSpan.FromMicroseconds(50), timeoutMs) || !_queue.Ring.TryTakeResponse(out var response))
            {
                return false;
            }

            return response.Id == id && response.Result == LoopProtocol.Answer(value);
        }
    }

    /// <summary>Ends access to the ring; the backend has unmapped it by the time it reports Closed.</summary>
    public void Dispose() => _queue.Dispose();
}
