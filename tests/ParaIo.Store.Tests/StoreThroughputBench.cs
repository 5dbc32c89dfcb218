using ParaIo.Store.Diagnostics;

namespace ParaIo.Store.Tests;

/// <summary>
/// Prints store operations per second; asserts nothing about speed (speed belongs to loadtests/).
/// Set PARAIO_STORE_BENCH_OPS for a longer run: the default keeps the suite fast.
/// </summary>
[TestClass]
public sealed class StoreThroughputBench
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("bench")]
    public async Task PrintStoreOperationsPerSecond()
    {
        var operations = int.TryParse(Environment.GetEnvironmentVariable("PARAIO_STORE_BENCH_OPS"), out var n) ? n : 2_000;

        var result = await StoreThroughput.MeasureAsync(operations, pipelineDepth: 64, TestContext.CancellationToken);

        TestContext.WriteLine(result.ToString());
        Assert.AreEqual(operations, result.Operations);
    }
}
