using System.Globalization;

namespace ParaIo.Load.Block;

/// <summary>
/// Where fio sends its I/O: an NBD export (fio's nbd engine, libnbd) or the image file itself.
/// The file is read and written buffered (<c>--direct=0</c>), as nbdkit's file plugin and
/// ParaIo's FileLun do, so all three targets meet the same page cache.
/// </summary>
internal sealed class FioTarget
{
    private readonly string? _nbdUri;
    private readonly string? _file;
    private readonly long _bytes;
    private readonly string _queuedEngine;

    private FioTarget(string? nbdUri, string? file, long bytes, string queuedEngine)
    {
        _nbdUri = nbdUri;
        _file = file;
        _bytes = bytes;
        _queuedEngine = queuedEngine;
    }

    /// <summary>An NBD server listening on a Unix socket.</summary>
    public static FioTarget Nbd(string socketPath) => new($"nbd+unix:///?socket={socketPath}", null, 0, "nbd");

    /// <summary>
    /// The image file: <c>psync</c> at queue depth 1, <paramref name="queuedEngine"/> (io_uring,
    /// or libaio when this fio lacks it) above.
    /// </summary>
    public static FioTarget File(string path, long bytes, string queuedEngine) => new(null, path, bytes, queuedEngine);

    /// <summary>fio's engine for a job at this depth.</summary>
    public string Engine(FioJob job) => _nbdUri is not null ? "nbd" : job.QueueDepth == 1 ? "psync" : _queuedEngine;

    /// <summary>The arguments that name the target and its engine.</summary>
    public IEnumerable<string> Arguments(FioJob job)
    {
        yield return $"--ioengine={Engine(job)}";
        if (_nbdUri is not null)
        {
            // The export's size is the image's; fio takes it from the server.
            yield return $"--uri={_nbdUri}";
            yield break;
        }

        yield return $"--filename={_file}";
        yield return $"--size={_bytes.ToString(CultureInfo.InvariantCulture)}";
        yield return "--direct=0";
    }
}
