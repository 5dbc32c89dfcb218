using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ParaIo.Frontend.Block;
using ParaIo.Nbd;

namespace ParaIo.Guest.Disks;

/// <summary>
/// paraio-guest's NBD exports: one server per paravirtual disk, on a Unix socket named
/// <c>vbd-ID.sock</c> in the export directory, started the first time the disk connects and kept
/// across paraiod restarts (the disk resumes underneath it), closed when the disk is removed.
/// </summary>
internal sealed class DiskExports : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<int, (NbdServer Server, VbdBlockDevice Device)> _exports = new();
    private readonly StagingBuffers _staging = new();

    public DiskExports(string directory, ILoggerFactory loggers)
    {
        _directory = Path.GetFullPath(directory);
        _loggers = loggers;
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Exports <paramref name="disk"/> unless it is exported already; returns the socket path, or null when it was.</summary>
    public string? Export(int id, BlockFrontDevice disk)
    {
        if (_exports.ContainsKey(id))
        {
            return null;
        }

        var socket = Path.Combine(_directory, $"vbd-{id}.sock");
        // A socket file left by an earlier paraio-guest that died: nobody can be listening on it
        // but a process that holds this export directory, and that is this one.
        if (File.Exists(socket))
        {
            File.Delete(socket);
        }

        var device = new VbdBlockDevice(disk, _staging);
        var server = new NbdServer(device, new NbdServerOptions { UnixSocketPath = socket, ExportName = "", Description = $"ParaIo vbd {id}" }, _loggers.CreateLogger($"ParaIo.Guest.Nbd.vbd{id}"));
        server.Start();
        _exports[id] = (server, device);
        return socket;
    }

    /// <summary>
    /// Closes the export of a disk that was removed (hot-unplug). The disk was released first, so
    /// the requests still in flight fail as I/O errors (EIO); they are answered, then every
    /// connection is closed. Connections that have not finished within <paramref name="grace"/>
    /// are aborted. Returns false when the disk had no export.
    /// </summary>
    public async Task<bool> RemoveAsync(int id, TimeSpan grace)
    {
        if (!_exports.TryRemove(id, out var export))
        {
            return false;
        }

        using (var deadline = new CancellationTokenSource(grace))
        {
            await export.Server.StopAsync(deadline.Token).ConfigureAwait(false);
        }

        await export.Server.DisposeAsync().ConfigureAwait(false);
        export.Device.Dispose();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (server, device) in _exports.Values)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            device.Dispose();
        }

        _exports.Clear();
        _staging.Dispose();
    }
}
