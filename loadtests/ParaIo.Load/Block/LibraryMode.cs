using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Frontend.Block;
using ParaIo.Frontend.Devices;
using ParaIo.Load.Linux;
using ParaIo.Load.Measurement;
using ParaIo.Load.Reporting;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Block;

/// <summary>
/// The block path with nothing around it: BlkFront and BlkBack in this process, joined by a ring
/// and grants in the guest's pool (the backend maps them through its own descriptor of the pool's
/// memfd, as paraiod does), serving the image through a FileLun. No NBD, no socket, no second
/// process: what the library costs per request. 4 KiB random reads at queue depth 32, as
/// tests/ParaIo.Block.Tests' RandomReadBench measures them, in both its variants: inline (the
/// fastest setting for an image in the page cache) and pooled (the defaults paraiod and
/// paraio-guest run with).
/// </summary>
internal static class LibraryMode
{
    public const int QueueDepth = 32;

    private const int BlockSize = 4096;
    private const int SectorsPerBlock = BlockSize / 512;
    private const ushort GuestDomain = 1;

    /// <summary>16 MiB of guest memory: the ring and the 32 read buffers, with room to spare.</summary>
    private const int PoolPages = 4096;

    private const int GrantEntries = 32768;

    private const int SpotChecks = 16;

    /// <summary>How the reads are served in the inline variant, for the report.</summary>
    public const string InlineDescription =
        "BlkFront → ring and grants → BlkBack → FileLun in this process, no NBD, 32 readers; "
        + "the LUN on the ring thread (SynchronousIo), completions on the completion thread (CompleteInline)";

    /// <summary>How the reads are served in the pooled variant, for the report.</summary>
    public const string PooledDescription =
        "the same, with paraiod's and paraio-guest's defaults: the LUN's reads and the completions on the thread pool";

    /// <summary>
    /// Runs <paramref name="ramp"/> of reads (not counted), then measures <paramref name="duration"/>;
    /// <paramref name="inline"/> picks the variant.
    /// </summary>
    public static BlockFigures Run(string image, bool inline, TimeSpan ramp, TimeSpan duration, CancellationToken cancellation) =>
        RunAsync(image, inline, ramp, duration, cancellation).GetAwaiter().GetResult();

    private static async Task<BlockFigures> RunAsync(string image, bool inline, TimeSpan ramp, TimeSpan duration, CancellationToken cancellation)
    {
        var guest = GuestMemory.Create(PoolPages, GuestDomain, GrantEntries);
        GrantPool? backendPool = null;
        GrantMapper? mapper = null;
        FileLun? lun = null;
        BlockFrontDevice? front = null;
        BlockBackendDevice? back = null;
        var buffers = new List<BlockBuffer>();
        try
        {
            backendPool = GrantPool.Attach(Duplicate(guest.Pool.FileDescriptor));
            mapper = new GrantMapper(backendPool, localDomain: 0, guestDomain: GuestDomain);
            lun = FileLun.Open(image, new FileLunOptions { ReadOnly = true, SynchronousIo = inline });
            var driver = new BlockBackendDriver(_ => lun);
            var options = new BlockFrontendOptions { QueueDepth = QueueDepth, CompleteInline = inline };
            front = new BlockFrontendDriver(options).ConnectBlock(new FrontendConnectContext(BlkifProtocol.DeviceType, 0, guest, driver.DeviceKeys(lun)));
            var context = new BackendConnectContext(new DeviceAddress(GuestDomain, BlkifProtocol.DeviceType, 0), mapper, new FrontendKeys(front.PublishedKeys), NullLogger.Instance);
            back = (BlockBackendDevice)await driver.ConnectAsync(context, cancellation).ConfigureAwait(false);
            for (var i = 0; i < QueueDepth; i++)
            {
                buffers.Add(front.AllocateBuffer(BlockSize));
            }

            var blocks = lun.Size / BlockSize;
            var (measureFrom, end) = new MeasurementWindow(ramp, duration).Start();
            var recorders = new LatencyRecorder[QueueDepth];
            var readers = new Task<long>[QueueDepth];
            for (var i = 0; i < QueueDepth; i++)
            {
                recorders[i] = new LatencyRecorder();
                readers[i] = ReadAsync(front, buffers[i], blocks, seed: i, measureFrom, end, recorders[i], cancellation);
            }

            var counts = await Task.WhenAll(readers).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
            var operations = counts.Sum();
            for (var i = 1; i < QueueDepth; i++)
            {
                recorders[0].Add(recorders[i]);
            }

            await CheckAsync(front, back, buffers[0], image, blocks).ConfigureAwait(false);
            var latency = recorders[0].Summarize();
            var seconds = Clock.Seconds(end - measureFrom);
            var iops = operations / seconds;
            return new BlockFigures(iops, iops * BlockSize / 1e6, latency.P50Us, latency.P99Us, operations, seconds);
        }
        finally
        {
            // As the block tests tear down: the backend first (it unmaps), then the frontend ends its grants.
            if (back is not null)
            {
                await back.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var buffer in buffers)
            {
                buffer.Dispose();
            }

            front?.Dispose();
            lun?.Dispose();
            mapper?.UnmapAll();
            backendPool?.Dispose();
            guest.Dispose();
        }
    }

    /// <summary>One reader: a read at a time, timed from the call to its completion; counts those started in the window.</summary>
    private static async Task<long> ReadAsync(BlockFrontDevice front, BlockBuffer buffer, long blocks, int seed, long measureFrom, long end, LatencyRecorder recorder, CancellationToken cancellation)
    {
        var random = new Random(seed);
        long done = 0;
        while (!cancellation.IsCancellationRequested)
        {
            var started = Clock.Now;
            if (started >= end)
            {
                break;
            }

            await front.ReadAsync(random.NextInt64(blocks) * SectorsPerBlock, buffer.Memory, CancellationToken.None).ConfigureAwait(false);
            if (started >= measureFrom)
            {
                recorder.RecordTicks(Clock.Now - started);
                done++;
            }
        }

        return done;
    }

    /// <summary>A path that moved no data would be fast too: the backend saw every read, none failed, and a few match the file.</summary>
    private static async Task CheckAsync(BlockFrontDevice front, BlockBackendDevice back, BlockBuffer buffer, string image, long blocks)
    {
        if (back.Counters.IoErrors != 0 || back.Counters.RejectedTotal != 0)
        {
            throw new InvalidOperationException($"library mode: the backend failed {back.Counters.IoErrors} reads and rejected {back.Counters.RejectedTotal}.");
        }

        using var file = File.OpenHandle(image, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var expected = new byte[BlockSize];
        var random = new Random(99);
        for (var i = 0; i < SpotChecks; i++)
        {
            var block = random.NextInt64(blocks);
            await front.ReadAsync(block * SectorsPerBlock, buffer.Memory).ConfigureAwait(false);
            RandomAccess.Read(file, expected, block * BlockSize);
            if (!buffer.Memory.Span.SequenceEqual(expected))
            {
                throw new InvalidDataException($"library mode: block {block} read through the ring differs from the image.");
            }
        }
    }

    private static SafeFileHandle Duplicate(SafeFileHandle fd)
    {
        var copy = Native.Dup((int)fd.DangerousGetHandle());
        return copy >= 0 ? new SafeFileHandle(copy, ownsHandle: true) : throw Native.ErrnoException("dup");
    }
}
