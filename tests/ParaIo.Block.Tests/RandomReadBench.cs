using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Frontend.Block;

namespace ParaIo.Block.Tests;

/// <summary>
/// Prints 4 KiB random reads per second at queue depth 32, through BlkFront, the ring and BlkBack
/// into a FileLun on tmpfs, both ends in this process (library mode). Asserts nothing about speed
/// (speed belongs to loadtests/). PARAIO_BLOCK_BENCH_SECONDS sets the measured time per variant
/// (default 0.5, to keep the suite fast); PARAIO_BLOCK_BENCH_QUEUES the device's queues.
/// </summary>
[TestClass]
public sealed class RandomReadBench
{
    // PARAIO_BLOCK_BENCH_QD sets the queue depth (default 32; 1 shows the round trip).
    private static readonly int QueueDepth = int.TryParse(Environment.GetEnvironmentVariable("PARAIO_BLOCK_BENCH_QD"), out var qd) && qd is >= 1 and <= 128 ? qd : 32;
    // PARAIO_BLOCK_BENCH_QUEUES sets BlockFrontendOptions.Queues (default: the option's default; 0 = one a CPU).
    private static readonly int? Queues = int.TryParse(Environment.GetEnvironmentVariable("PARAIO_BLOCK_BENCH_QUEUES"), out var queues) && queues is >= 0 and <= 16 ? queues : null;
    private const int ImageBytes = 64 << 20;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("bench")]
    public async Task PrintRandomReadsPerSecond()
    {
        var seconds = double.TryParse(Environment.GetEnvironmentVariable("PARAIO_BLOCK_BENCH_SECONDS"), out var s) ? s : 0.5;

        var inline = await MeasureAsync("inline: LUN on the ring thread, completions on the completion thread", synchronousLun: true, completeInline: true, seconds);
        var pooled = await MeasureAsync("pooled: LUN and completions on the thread pool", synchronousLun: false, completeInline: false, seconds);

        Assert.IsTrue(inline > 0 && pooled > 0);
    }

    private async Task<double> MeasureAsync(string name, bool synchronousLun, bool completeInline, double seconds)
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(ImageBytes, new FileLunOptions { SynchronousIo = synchronousLun });
        await ((ILun)lun).WriteAsync(0, DataIntegrityTests.Pattern(ImageBytes, 1)); // data, not holes, under every read
        var (front, back) = await rig.ConnectAsync(lun, frontend: new BlockFrontendOptions { QueueDepth = QueueDepth, CompleteInline = completeInline, Queues = Queues ?? new BlockFrontendOptions().Queues });
        var buffers = Enumerable.Range(0, QueueDepth).Select(_ => front.AllocateBuffer(4096)).ToArray();
        var sectors = ImageBytes / 512;

        // Warm up (JIT, page tables), then measure.
        await RunAsync(front, buffers, sectors, TimeSpan.FromSeconds(Math.Min(0.3, seconds / 2)));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var reads = await RunAsync(front, buffers, sectors, TimeSpan.FromSeconds(seconds));
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        var iops = reads / elapsed;
        TestContext.WriteLine($"{name}: {iops:N0} reads/s ({reads:N0} in {elapsed:F2} s, QD{QueueDepth} over {front.QueueCount} queue(s), 4 KiB random, {cpuSeconds / elapsed:F2} cores busy, {cpuSeconds * 1e6 / reads:F1} µs CPU per read)");
        Console.WriteLine($"[bench] {name}, {front.QueueCount} queue(s): {iops:N0} reads/s, {cpuSeconds / elapsed:F2} cores, {cpuSeconds * 1e6 / reads:F1} µs CPU/read");
        Assert.AreEqual(0, back.Counters.IoErrors);
        Assert.IsTrue(back.Counters.Reads >= reads, "every read the callers counted went through the backend");
        Assert.AreEqual(back.Counters.Reads * 4096, back.Counters.BytesRead);
        await SpotCheckAsync(front, buffers[0], lun.Path);
        foreach (var buffer in buffers)
        {
            buffer.Dispose();
        }

        return iops;
    }

    /// <summary>A benchmark that moved no data would be fast too: check a few reads against the image.</summary>
    private static async Task SpotCheckAsync(BlockFrontDevice front, BlockBuffer buffer, string image)
    {
        var random = new Random(99);
        for (var i = 0; i < 16; i++)
        {
            var sector = random.Next(ImageBytes / 4096) * 8L;
            await front.ReadAsync(sector, buffer.Memory).Within();
            CollectionAssert.AreEqual(Native.ReadImage(image, sector * 512, 4096), buffer.Memory.ToArray());
        }
    }

    private static async Task<long> RunAsync(BlockFrontDevice front, BlockBuffer[] buffers, int sectors, TimeSpan duration)
    {
        long total = 0;
        using var stop = new CancellationTokenSource(duration);
        var workers = buffers.Select(async (buffer, i) =>
        {
            var random = new Random(i);
            long done = 0;
            while (!stop.IsCancellationRequested)
            {
                await front.ReadAsync(random.Next(sectors / 8) * 8L, buffer.Memory);
                done++;
            }

            Interlocked.Add(ref total, done);
        }).ToArray();
        await Task.WhenAll(workers).Within();
        return total;
    }
}
