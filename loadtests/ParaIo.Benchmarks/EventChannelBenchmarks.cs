using BenchmarkDotNet.Attributes;
using ParaIo.RingBuffer.Events;

namespace ParaIo.Benchmarks;

/// <summary>
/// A doorbell rung with nobody asleep behind it: no system call, only the shared pending word.
/// The receiver either leaves the event pending (a busy backend that has not looked yet) or takes
/// it each time (a receiver that keeps up).
/// </summary>
[MemoryDiagnoser]
public class EventChannelBenchmarks : IDisposable
{
    private SharedPool _pool = null!;
    private EventChannel _sender = null!;
    private EventChannel _receiver = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new SharedPool();
        _sender = _pool.Guest.Events.Allocate();
        _receiver = EventChannel.Bind(_pool.BackendPool, _sender.Port);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _pool.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public void NotifyStillPending() => _sender.Notify();

    [Benchmark]
    public bool NotifyAndTake()
    {
        _sender.Notify();
        return _receiver.TryConsume();
    }
}
