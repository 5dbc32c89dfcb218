using BenchmarkDotNet.Attributes;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Benchmarks;

/// <summary>
/// The hypervisor's part of zero-copy: map a granted page (checks, busy bit by compare-exchange,
/// map count) and unmap it. paraio-load's zero-copy scenario does this 16 times per 64 KiB.
/// </summary>
[MemoryDiagnoser]
public class GrantBenchmarks : IDisposable
{
    private SharedPool _pool = null!;
    private GrantRef _readOnly;
    private GrantRef _writable;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new SharedPool();
        var page = _pool.Guest.Pages.Allocate();
        _readOnly = _pool.Guest.Grants.GrantAccess(toDomain: 0, page, readOnly: true);
        _writable = _pool.Guest.Grants.GrantAccess(toDomain: 0, _pool.Guest.Pages.Allocate(), readOnly: false);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _pool.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public byte MapReadUnmap()
    {
        var mapping = _pool.Mapper.Map(_readOnly, GrantAccess.Read);
        var first = mapping.ReadOnlySpan[0];
        _pool.Mapper.Unmap(mapping);
        return first;
    }

    [Benchmark]
    public byte MapWriteUnmap()
    {
        var mapping = _pool.Mapper.Map(_writable, GrantAccess.Write);
        var first = mapping.Span[0]++;
        _pool.Mapper.Unmap(mapping);
        return first;
    }
}
