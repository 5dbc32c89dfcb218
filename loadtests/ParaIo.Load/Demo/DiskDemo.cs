using System.Buffers.Binary;
using System.Globalization;
using HdrHistogram;
using ParaIo.Backend.San;
using ParaIo.Load.Block;
using ParaIo.Load.Measurement;
using Spectre.Console;

namespace ParaIo.Load.Demo;

/// <summary>
/// The demo's second part: a guest's disk, end to end. paraiod and paraio-guest run as they do for
/// an operator (<see cref="ParaioStack"/>: <c>disk create</c>, a domain owning the disk, the guest
/// exporting it over NBD); this process is the guest's storage user, talking NBD to the export.
/// Every byte goes NBD → paraio-guest → BlkFront → ring and grants → paraiod's BlkBack → the image
/// file. Three phases, shown live once a second: 256 KiB sequential writes, then a FLUSH, then
/// 256 KiB reads of what was written (every sector checked), then 4 KiB random reads.
/// </summary>
internal sealed class DiskDemo
{
    private const long DiskBytes = 256L << 20;
    private const int ChunkBytes = 256 * 1024;
    private const int Chunks = (int)(DiskBytes / ChunkBytes);
    private const int SectorBytes = 512;
    private const int SmallBytes = 4096;
    private const int Workers = 8;
    private const int SmallWorkers = 16;
    private static readonly string[] s_columns = ["time", "phase", "MB/s", "IOPS", "latency p50 µs", "p99 µs", "checked MiB"];
    private static readonly string[] s_plainNames = ["t", "phase", "mb_per_s", "iops", "p50_us", "p99_us", "checked_mib"];

    private readonly NbdClient _client;
    private readonly TimeSpan _phase;
    private readonly CancellationToken _cancellation;
    private readonly byte[] _body = new byte[ChunkBytes];
    private readonly int[] _generation = new int[Chunks];
    private readonly HdrHistogram.Recorder _latencies = new(1, 10_000_000_000, 3, (id, lowest, highest, digits) => new LongHistogram(id, lowest, highest, digits));
    private long _operations;
    private long _bytes;
    private long _checked;

    private DiskDemo(NbdClient client, TimeSpan phase, CancellationToken cancellation)
    {
        _client = client;
        _phase = phase;
        _cancellation = cancellation;
        new Random(20261126).NextBytes(_body);
    }

    /// <summary>Starts paraiod and a guest with a 256 MiB disk, runs the three phases for <paramref name="phase"/> each, and stops them.</summary>
    public static void Run(TimeSpan phase, CancellationToken cancellation)
    {
        var directory = Directory.CreateTempSubdirectory("paraio-demo-").FullName;
        try
        {
            ProgressLog.Write("disk: starting paraiod and a guest whose 256 MiB disk is exported over NBD…");
            using var stack = ParaioStack.Start(directory, DiskBytes, cancellation);
            var socket = stack.Export();
            var client = NbdClient.ConnectAsync(NbdEndpoint.Unix(socket), cancellationToken: cancellation).GetAwaiter().GetResult();
            try
            {
                new DiskDemo(client, phase, cancellation).Show(stack.ImagePath);
            }
            finally
            {
                client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private void Show(string image)
    {
        var console = StdoutConsole.Create();
        var table = new Table().Border(TableBorder.Rounded).Title("A guest's disk, live (NBD → paraio-guest → BlkFront → ring → paraiod's BlkBack → image)");
        foreach (var column in s_columns)
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        var start = Clock.Now;
        var report = Console.IsOutputRedirected
            ? (Action<string[]>)(line => Console.Out.WriteLine(string.Join("  ", s_plainNames.Zip(line, (name, cell) => $"{name}={cell}"))))
            : null;
        if (report is not null)
        {
            RunPhases(start, report);
        }
        else
        {
            console.Live(table).AutoClear(false).Start(context => RunPhases(start, line =>
            {
                table.AddRow(line);
                context.Refresh();
            }));
        }

        console.WriteLine($"{_checked / (1 << 20):N0} MiB read back and checked sector by sector against what was written to {image}.");
    }

    private void RunPhases(long start, Action<string[]> show)
    {
        Measure("write 256K", start, show, Enumerable.Range(0, Workers).Select(WriteAsync));
        var flushStart = Clock.Now;
        _client.FlushAsync(_cancellation).AsTask().GetAwaiter().GetResult();
        var flushMilliseconds = Clock.Nanoseconds(Clock.Now - flushStart) / 1e6;
        show([Seconds(start), $"FLUSH {flushMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms", "—", "—", "—", "—", "—"]);
        Measure("read 256K", start, show, Enumerable.Range(0, Workers).Select(ReadBackAsync));
        Measure("read 4K rand", start, show, Enumerable.Range(0, SmallWorkers).Select(RandomReadAsync));
    }

    /// <summary>Runs <paramref name="workers"/> until the phase ends, showing a line a second.</summary>
    private void Measure(string phase, long start, Action<string[]> show, IEnumerable<Func<long, Task>> workers)
    {
        var end = Clock.Now + Clock.Ticks(_phase);
        var tasks = workers.Select(worker => Task.Run(() => worker(end))).ToArray();
        var all = Task.WhenAll(tasks);
        var (lastAt, lastOperations, lastBytes) = (Clock.Now, Volatile.Read(ref _operations), Volatile.Read(ref _bytes));
        while (!all.IsCompleted)
        {
            all.Wait(TimeSpan.FromSeconds(1));
            var now = Clock.Now;
            var seconds = Clock.Seconds(now - lastAt);
            if (seconds < 0.05)
            {
                continue;
            }

            var (operations, bytes) = (Volatile.Read(ref _operations), Volatile.Read(ref _bytes));
            var histogram = _latencies.GetIntervalHistogram();
            show(
            [
                Seconds(start),
                phase,
                ((bytes - lastBytes) / seconds / 1e6).ToString("N1", CultureInfo.InvariantCulture),
                ((operations - lastOperations) / seconds).ToString("N0", CultureInfo.InvariantCulture),
                Micro(histogram, 50),
                Micro(histogram, 99),
                (Volatile.Read(ref _checked) / (double)(1 << 20)).ToString("N0", CultureInfo.InvariantCulture),
            ]);
            (lastAt, lastOperations, lastBytes) = (now, operations, bytes);
        }

        all.GetAwaiter().GetResult();
    }

    /// <summary>Worker <paramref name="worker"/> writes its own chunks (worker, worker + 8, …) in turn, each stamped with its chunk and generation.</summary>
    private Func<long, Task> WriteAsync(int worker) => async end =>
    {
        var buffer = new byte[ChunkBytes];
        for (var chunk = worker; Clock.Now < end; chunk = (chunk + Workers) % Chunks)
        {
            var generation = _generation[chunk] + 1;
            Fill(buffer, chunk, generation);
            await Timed(_client.WriteAsync((long)chunk * ChunkBytes, buffer, cancellationToken: _cancellation), ChunkBytes);
            _generation[chunk] = generation; // only this worker writes this chunk
        }
    };

    /// <summary>Reads chunks back in turn and checks every sector's stamp and body.</summary>
    private Func<long, Task> ReadBackAsync(int worker) => async end =>
    {
        var buffer = new byte[ChunkBytes];
        for (var chunk = worker; Clock.Now < end; chunk = (chunk + Workers) % Chunks)
        {
            await Timed(_client.ReadAsync((long)chunk * ChunkBytes, buffer, _cancellation), ChunkBytes);
            Check(buffer, chunk, _generation[chunk]);
            Interlocked.Add(ref _checked, ChunkBytes);
        }
    };

    /// <summary>4 KiB reads at random places.</summary>
    private Func<long, Task> RandomReadAsync(int worker) => async end =>
    {
        var buffer = new byte[SmallBytes];
        var random = new Random(worker);
        while (Clock.Now < end)
        {
            var offset = random.NextInt64(DiskBytes / SmallBytes) * SmallBytes;
            await Timed(_client.ReadAsync(offset, buffer, _cancellation), SmallBytes);
        }
    };

    private async Task Timed(ValueTask operation, int bytes)
    {
        var startedAt = Clock.Now;
        await operation.ConfigureAwait(false);
        _latencies.RecordValue(Math.Max(1, Clock.Nanoseconds(Clock.Now - startedAt)));
        Interlocked.Increment(ref _operations);
        Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>The shared random body, each 512-byte sector starting with its chunk and generation.</summary>
    private void Fill(byte[] buffer, int chunk, int generation)
    {
        _body.CopyTo(buffer, 0);
        for (var sector = 0; sector < ChunkBytes; sector += SectorBytes)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(sector), chunk);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(sector + 4), generation);
        }
    }

    private void Check(byte[] buffer, int chunk, int generation)
    {
        for (var sector = 0; sector < ChunkBytes; sector += SectorBytes)
        {
            var stampedChunk = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(sector));
            var stampedGeneration = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(sector + 4));
            var expected = generation == 0 ? (0, 0) : (chunk, generation);
            var bodyMatches = generation == 0
                ? buffer.AsSpan(sector + 8, SectorBytes - 8).IndexOfAnyExcept((byte)0) < 0
                : buffer.AsSpan(sector + 8, SectorBytes - 8).SequenceEqual(_body.AsSpan(sector + 8, SectorBytes - 8));
            if ((stampedChunk, stampedGeneration) != expected || !bodyMatches)
            {
                throw new InvalidDataException(
                    $"Sector {sector / SectorBytes} of chunk {chunk} read back as chunk {stampedChunk} generation {stampedGeneration}, body {(bodyMatches ? "intact" : "wrong")}; expected chunk {expected.Item1} generation {expected.Item2}.");
            }
        }
    }

    private static string Seconds(long start) => $"{Clock.Seconds(Clock.Now - start):0.0} s";

    private static string Micro(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? "—" : (histogram.GetValueAtPercentile(percentile) / 1000.0).ToString("N0", CultureInfo.InvariantCulture);
}
