using BenchmarkDotNet.Attributes;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Benchmarks;

/// <summary>
/// The ring's own cost, both ends on one thread: no cache line crosses a core, so this is the
/// instruction cost of the protocol (copies, index checks, fences), not the cross-core latency
/// that paraio-load measures.
/// </summary>
[MemoryDiagnoser]
public class RingBenchmarks : IDisposable
{
    private const int Batch = 64;

    private SharedPool _pool = null!;
    private FrontQueue<Request64, Response16> _front = null!;
    private BackQueue<Request64, Response16> _back = null!;
    private ulong _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new SharedPool();
        // Order 2: 128 slots of 64 bytes, room for a batch of 64.
        _front = _pool.Guest.CreateQueue<Request64, Response16>(backendDomain: 0, pageOrder: 2);
        _back = BackQueue<Request64, Response16>.Connect(_pool.Mapper, _front.Offer);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _back.Dispose();
        _front.Dispose();
        _pool.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>One request pushed, consumed and answered, and the response taken.</summary>
    [Benchmark(Baseline = true)]
    public ulong RoundTrip()
    {
        _front.Ring.NextRequest().Sequence = ++_sequence;
        _front.Push();
        _back.Ring.TryConsumeRequest(out var request);
        _back.Ring.WriteResponse(new Response16 { Sequence = request.Sequence });
        _back.Push();
        _front.Ring.TryTakeResponse(out var response);
        return response.Sequence;
    }

    /// <summary>64 requests written and pushed once, consumed and answered and pushed once, taken; per request.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public ulong Batch64()
    {
        var front = _front.Ring;
        var back = _back.Ring;
        for (var i = 0; i < Batch; i++)
        {
            front.NextRequest().Sequence = ++_sequence;
        }

        _front.Push();
        while (back.TryConsumeRequest(out var request))
        {
            back.WriteResponse(new Response16 { Sequence = request.Sequence });
        }

        _back.Push();
        var last = 0ul;
        while (front.TryTakeResponse(out var response))
        {
            last = response.Sequence;
        }

        return last;
    }
}
