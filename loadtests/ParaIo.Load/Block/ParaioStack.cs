using System.Globalization;

namespace ParaIo.Load.Block;

/// <summary>
/// The ParaIo target, built the way an operator builds it: paraiod on a private socket and state
/// directory, a disk made by <c>paraioctl disk create</c>, a domain owning it, and paraio-guest
/// exporting the domain's block device over NBD on a Unix socket. fio then reaches the image
/// through libnbd → paraio-guest's NBD server → BlkFront → the ring and grants → paraiod's BlkBack →
/// the image file. All three are child processes, reaped by <see cref="Dispose"/>.
/// </summary>
internal sealed class ParaioStack : IDisposable
{
    public const string DiskName = "bench";
    public const string DomainName = "blkbench";

    private readonly string _directory;
    private readonly ParaiodChild _daemon;
    private readonly CancellationToken _cancellation;
    private ChildProcess? _guest;

    private ParaioStack(string directory, ParaiodChild daemon, CancellationToken cancellation)
    {
        _directory = directory;
        _daemon = daemon;
        _cancellation = cancellation;
    }

    /// <summary>The disk's image file, as <c>disk create</c> reported it.</summary>
    public string ImagePath { get; private set; } = string.Empty;

    /// <summary>The disk's size in bytes, as <c>disk create</c> reported it.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// Starts paraiod and creates the disk. The domain and guest come later (<see cref="Export"/>),
    /// so the image can be filled before any backend has it open.
    /// </summary>
    public static ParaioStack Start(string directory, long bytes, CancellationToken cancellation)
    {
        var stack = new ParaioStack(directory, ParaiodChild.Start(directory, cancellation), cancellation);
        try
        {
            using var disk = stack._daemon.Control("disk", "create", DiskName, "--size", SizeArgument(bytes), "--json");
            var root = disk.RootElement;
            stack.ImagePath = root.GetProperty("path").GetString() ?? throw new InvalidDataException("disk create reported no path.");
            stack.Bytes = root.GetProperty("bytes").GetInt64();
            if (!File.Exists(stack.ImagePath))
            {
                throw new InvalidDataException($"disk create reported {stack.ImagePath}, which does not exist.");
            }

            ProgressLog.Write($"paraio: disk {DiskName} is {stack.ImagePath} ({stack.Bytes} bytes).");
            return stack;
        }
        catch
        {
            stack.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates the domain with the disk, starts paraio-guest for it and waits until the guest
    /// exports the block device; returns the export's Unix socket.
    /// </summary>
    public string Export()
    {
        var token = _daemon.CreateDomain(DomainName, "--disk", DiskName);
        var exports = Path.Combine(_directory, "exports");
        Directory.CreateDirectory(exports);
        _guest = _daemon.StartGuest(DomainName, token, "--export-dir", exports);
        using var export = _daemon.WaitForEvent(_guest, "export", "vbd", "the NBD export of vbd 0");
        var socket = export.RootElement.GetProperty("socket").GetString() ?? throw new InvalidDataException($"The export event names no socket: {export.RootElement}");
        Readiness.WaitFor(_guest, socket, ParaiodChild.Patience, _cancellation);
        ProgressLog.Write($"paraio: paraio-guest {_guest.Id} exports vbd 0 on {socket}.");
        return socket;
    }

    /// <summary>Stops the guest first (its devices close while paraiod still serves them), then paraiod.</summary>
    public void Dispose()
    {
        _guest?.Dispose();
        _daemon.Dispose();
    }

    /// <summary>The size as paraioctl takes it: "1G", "512M", or plain bytes.</summary>
    private static string SizeArgument(long bytes) => bytes switch
    {
        _ when bytes % (1L << 30) == 0 => (bytes >> 30).ToString(CultureInfo.InvariantCulture) + "G",
        _ when bytes % (1L << 20) == 0 => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + "M",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}
