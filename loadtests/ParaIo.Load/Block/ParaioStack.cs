using System.Globalization;
using System.Text.Json;

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

    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly ChildProcess _daemon;
    private readonly CancellationToken _cancellation;
    private ChildProcess? _guest;

    private ParaioStack(string directory, ChildProcess daemon, CancellationToken cancellation)
    {
        _directory = directory;
        _daemon = daemon;
        _cancellation = cancellation;
    }

    /// <summary>paraiod's store socket.</summary>
    public string SocketPath => Path.Combine(_directory, "paraiod.sock");

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
        var socketPath = Path.Combine(directory, "paraiod.sock");
        var daemon = ChildProcess.StartDotnet("paraiod", ["--socket", socketPath, "--state-dir", Path.Combine(directory, "state"), "--metrics", string.Empty], cancellation);
        var stack = new ParaioStack(directory, daemon, cancellation);
        try
        {
            Readiness.WaitFor(daemon, socketPath, s_patience, cancellation);
            ProgressLog.Write($"paraio: paraiod {daemon.Id} listens on {socketPath}.");
            using var disk = stack.Control("disk", "create", DiskName, "--size", SizeArgument(bytes), "--json");
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
        using var domain = Control("domain", "create", DomainName, "--disk", DiskName, "--json");
        var token = domain.RootElement.GetProperty("token").GetString() ?? throw new InvalidDataException("domain create reported no token.");
        var exports = Path.Combine(_directory, "exports");
        Directory.CreateDirectory(exports);
        _guest = ChildProcess.StartDotnet("paraio-guest", ["--name", DomainName, "--token", token, "--socket", SocketPath, "--json", "--export-dir", exports], _cancellation);
        var line = _guest.WaitForLine(IsDiskExport, "the NBD export of vbd 0", s_patience, _cancellation);
        using var export = JsonDocument.Parse(line);
        var socket = export.RootElement.GetProperty("socket").GetString() ?? throw new InvalidDataException($"The export event names no socket: {line}");
        Readiness.WaitFor(_guest, socket, s_patience, _cancellation);
        ProgressLog.Write($"paraio: paraio-guest {_guest.Id} exports vbd 0 on {socket}.");
        return socket;
    }

    /// <summary>Stops the guest first (its devices close while paraiod still serves them), then paraiod.</summary>
    public void Dispose()
    {
        _guest?.Dispose();
        _daemon.Dispose();
    }

    /// <summary>Runs paraioctl against this paraiod and returns its JSON answer; throws with its message when it fails.</summary>
    private JsonDocument Control(params string[] arguments)
    {
        using var ctl = ChildProcess.StartDotnet("paraioctl", ["--socket", SocketPath, .. arguments], _cancellation);
        var code = ctl.WaitForExit(s_patience, _cancellation);
        if (code != 0)
        {
            var said = string.Join(' ', ctl.Tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(2));
            throw new InvalidOperationException($"paraioctl {string.Join(' ', arguments)} exited with {code}: {said}");
        }

        var output = ctl.Output;
        var start = output.IndexOf('{', StringComparison.Ordinal);
        return start >= 0 ? JsonDocument.Parse(output.AsMemory(start)) : throw new InvalidDataException($"paraioctl {string.Join(' ', arguments)} printed no JSON: {output}");
    }

    private static bool IsDiskExport(string line)
    {
        if (!line.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.TryGetProperty("event", out var kind) && kind.GetString() == "export"
                && root.TryGetProperty("type", out var type) && type.GetString() == "vbd"
                && root.TryGetProperty("id", out var id) && id.GetInt32() == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The size as paraioctl takes it: "1G", "512M", or plain bytes.</summary>
    private static string SizeArgument(long bytes) => bytes switch
    {
        _ when bytes % (1L << 30) == 0 => (bytes >> 30).ToString(CultureInfo.InvariantCulture) + "G",
        _ when bytes % (1L << 20) == 0 => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + "M",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}
