namespace ParaIo.Load.Block;

/// <summary>One access pattern of <c>paraio-load blk</c>, run with fio against every target.</summary>
/// <param name="Name">Its name on the command line (<c>--job</c>) and in the report.</param>
/// <param name="Description">What it does, in words.</param>
/// <param name="Pattern">fio's <c>--rw</c>.</param>
/// <param name="BlockSize">Bytes per I/O.</param>
/// <param name="QueueDepth">I/Os kept in flight (fio's <c>--iodepth</c>).</param>
internal sealed record FioJob(string Name, string Description, string Pattern, int BlockSize, int QueueDepth)
{
    public static readonly FioJob RandomRead4KQd1 = new("randread-4k-qd1", "4 KiB random reads, queue depth 1", "randread", 4096, 1);

    public static readonly FioJob RandomRead4KQd32 = new("randread-4k-qd32", "4 KiB random reads, queue depth 32", "randread", 4096, 32);

    public static readonly FioJob SequentialRead64K = new("seqread-64k", "64 KiB sequential reads, queue depth 8", "read", 64 << 10, 8);

    public static readonly FioJob SequentialWrite64K = new("seqwrite-64k", "64 KiB sequential writes, queue depth 8", "write", 64 << 10, 8);

    /// <summary>Every job, in the order they run against a target: the write last, so every read sees the prefilled image.</summary>
    public static readonly IReadOnlyList<FioJob> All = [RandomRead4KQd1, RandomRead4KQd32, SequentialRead64K, SequentialWrite64K];

    public static IEnumerable<string> Names => All.Select(j => j.Name);

    public bool Writes => Pattern.Contains("write", StringComparison.Ordinal);

    public bool IsRandom => Pattern.StartsWith("rand", StringComparison.Ordinal);
}
