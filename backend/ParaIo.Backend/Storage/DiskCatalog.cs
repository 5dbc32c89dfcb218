using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using ParaIo.Backend.Block;
using ParaIo.Backend.San;
using ParaIo.Backend.State;

namespace ParaIo.Backend.Storage;

/// <summary>
/// The operator's disks: raw image files, created sparse in the state directory (or adopted from
/// a path), and exports on a SAN (NBD servers), persisted in <c>disks.json</c> like the domains,
/// and opened once as a <see cref="FileLun"/> or an <see cref="NbdLun"/> shared by every device
/// that uses the disk. Thread-safe.
/// </summary>
public sealed class DiskCatalog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _stateFile;
    private readonly string _imageDirectory;
    private readonly Dictionary<string, DiskRecord> _disks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ILun> _open = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Opens the catalog kept in <paramref name="stateDirectory"/> (<c>disks.json</c>, images in <c>disks/</c>).</summary>
    public DiskCatalog(string stateDirectory)
    {
        _stateFile = System.IO.Path.Combine(stateDirectory, "disks.json");
        _imageDirectory = System.IO.Path.Combine(stateDirectory, "disks");
        if (File.Exists(_stateFile))
        {
            var state = JsonSerializer.Deserialize(File.ReadAllText(_stateFile), DiskJson.Default.DiskState)
                ?? throw new InvalidDataException($"The state file {_stateFile} is empty.");
            foreach (var disk in state.Disks)
            {
                _disks.Add(disk.Name, disk);
            }
        }
    }

    /// <summary>Every disk, by name.</summary>
    public IReadOnlyList<DiskRecord> Disks
    {
        get
        {
            lock (_lock)
            {
                return [.. _disks.Values.OrderBy(d => d.Name, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>
    /// Creates a disk: a new sparse image of <paramref name="bytes"/> in the state directory, or at
    /// <paramref name="path"/>; with <paramref name="adopt"/>, an existing image at
    /// <paramref name="path"/> is taken as it is.
    /// </summary>
    /// <exception cref="ArgumentException">A bad or taken name, a bad size, or a file that exists (or, to adopt, does not).</exception>
    public DiskRecord Create(string name, long bytes, string? path = null, bool adopt = false, bool direct = false)
    {
        CheckName(name);

        lock (_lock)
        {
            if (_disks.ContainsKey(name))
            {
                throw new ArgumentException($"A disk named '{name}' exists already.");
            }

            var file = System.IO.Path.GetFullPath(path ?? System.IO.Path.Combine(_imageDirectory, name + ".img"));
            if (adopt)
            {
                if (!File.Exists(file))
                {
                    throw new ArgumentException($"There is no image at {file} to adopt.");
                }

                using var probe = FileLun.Open(file, new FileLunOptions { ReadOnly = true });
                if (probe.Size == 0)
                {
                    throw new ArgumentException($"The image at {file} holds no whole 512-byte sector.");
                }
            }
            else
            {
                if (bytes <= 0 || bytes % 512 != 0)
                {
                    throw new ArgumentException($"A disk is a positive whole number of 512-byte sectors, not {bytes} bytes.");
                }

                if (File.Exists(file))
                {
                    throw new ArgumentException($"{file} exists already; adopt it instead, or choose another path.");
                }

                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
                FileLun.Create(file, bytes).Dispose();
            }

            var record = new DiskRecord(name, file, direct);
            _disks.Add(name, record);
            Save();
            return record;
        }
    }

    /// <summary>
    /// Adds a disk on a SAN: connects to the NBD export at <paramref name="uri"/> (which must answer
    /// now) and keeps the connection; it reconnects by itself when the server restarts.
    /// </summary>
    /// <exception cref="ArgumentException">A bad or taken name, or a URI that is not an NBD URI.</exception>
    /// <exception cref="IOException">The export cannot be reached or refused the handshake.</exception>
    public async Task<DiskRecord> CreateSanAsync(string name, string uri, ILogger? logger, CancellationToken cancellation)
    {
        CheckName(name);
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("nbd" or "nbd+unix"))
        {
            throw new ArgumentException($"'{uri}' is not an NBD URI: write nbd+unix:///EXPORT?socket=PATH or nbd://HOST:PORT/EXPORT.");
        }

        lock (_lock)
        {
            if (_disks.ContainsKey(name))
            {
                throw new ArgumentException($"A disk named '{name}' exists already.");
            }
        }

        var lun = await NbdLun.ConnectAsync(parsed, new NbdLunOptions(), logger, cancellation).ConfigureAwait(false);
        lock (_lock)
        {
            if (_disks.ContainsKey(name))
            {
                Release(lun);
                throw new ArgumentException($"A disk named '{name}' exists already.");
            }

            var record = new DiskRecord(name, uri, San: uri);
            _disks.Add(name, record);
            _open.Add(name, lun);
            Save();
            return record;
        }
    }

    /// <summary>The longest wait between two tries to reach a SAN that did not answer.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Raised, on a thread-pool thread, when a SAN disk that did not answer at start has connected:
    /// devices refused for want of it may be offered again.
    /// </summary>
    public event Action<string>? SanDiskAvailable;

    /// <summary>
    /// Connects every SAN disk (at start). One whose server does not answer within
    /// <paramref name="timeout"/> is unavailable, with the reason logged, and is tried again in the
    /// background — after 1 s, then twice as long each time up to <see cref="MaxRetryDelay"/> —
    /// until it connects (<see cref="SanDiskAvailable"/>), is deleted, or the catalog is disposed.
    /// </summary>
    public async Task ConnectSanDisksAsync(TimeSpan timeout, ILogger logger, CancellationToken cancellation)
    {
        foreach (var disk in Disks.Where(d => d.IsSan))
        {
            if (await TryConnectSanAsync(disk, timeout, logger, cancellation).ConfigureAwait(false) is { } reason)
            {
                logger.LogWarning("SAN disk {Disk} at {Uri} is unavailable: {Reason}; trying again in the background", disk.Name, disk.San, reason);
                _ = KeepConnectingAsync(disk.Name, timeout, logger);
            }
        }
    }

    /// <summary>Connects a SAN disk and keeps its LUN; null when connected, else why not.</summary>
    private async Task<string?> TryConnectSanAsync(DiskRecord disk, TimeSpan timeout, ILogger logger, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _closing.Token);
        deadline.CancelAfter(timeout);
        NbdLun lun;
        try
        {
            lun = await NbdLun.ConnectAsync(new Uri(disk.San!), new NbdLunOptions(), logger, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested && !_closing.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is IOException or UriFormatException or ArgumentException)
        {
            return e.Message;
        }

        lock (_lock)
        {
            // Deleted meanwhile, or the catalog closed: the connection has no disk to serve.
            if (_closing.IsCancellationRequested || !_disks.TryGetValue(disk.Name, out var current) || current != disk || _open.ContainsKey(disk.Name))
            {
                Release(lun);
                return null;
            }

            _open[disk.Name] = lun;
            return null;
        }
    }

    private async Task KeepConnectingAsync(string name, TimeSpan timeout, ILogger logger)
    {
        var delay = TimeSpan.FromSeconds(1);
        try
        {
            while (true)
            {
                await Task.Delay(delay, _closing.Token).ConfigureAwait(false);
                var disk = Find(name);
                if (disk is not { IsSan: true })
                {
                    return; // deleted
                }

                if (await TryConnectSanAsync(disk, timeout, logger, _closing.Token).ConfigureAwait(false) is null)
                {
                    logger.LogInformation("SAN disk {Disk} at {Uri} answers again", name, disk.San);
                    SanDiskAvailable?.Invoke(name);
                    return;
                }

                delay = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
            }
        }
        catch (OperationCanceledException)
        {
            // The catalog is closing.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reconnecting SAN disk {Disk} failed; it stays unavailable", name);
        }
    }

    /// <summary>The disk with that name, or null.</summary>
    public DiskRecord? Find(string name)
    {
        lock (_lock)
        {
            return _disks.GetValueOrDefault(name);
        }
    }

    /// <summary>The disk's LUN, opened on first use and shared; null when there is no such disk or its image is gone.</summary>
    public ILun? Open(string name)
    {
        lock (_lock)
        {
            if (_open.TryGetValue(name, out var lun))
            {
                return lun;
            }

            if (!_disks.TryGetValue(name, out var disk) || disk.IsSan || !File.Exists(disk.Path))
            {
                return null; // a SAN disk is open once connected, or unavailable
            }

            lun = FileLun.Open(disk.Path, new FileLunOptions { Direct = disk.Direct });
            _open.Add(name, lun);
            return lun;
        }
    }

    /// <summary>The size in bytes and the bytes the image really occupies on the host.</summary>
    public (long Bytes, long Allocated) Usage(DiskRecord disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        lock (_lock)
        {
            if (_open.TryGetValue(disk.Name, out var lun))
            {
                return (lun.Size, disk.IsSan ? -1 : AllocatedBytes(disk.Path));
            }
        }

        if (disk.IsSan)
        {
            return (-1, -1);
        }

        return File.Exists(disk.Path) ? (new FileInfo(disk.Path).Length & ~511L, AllocatedBytes(disk.Path)) : (0, 0);
    }

    /// <summary>Grows a disk; a guest sees the new size when its device next connects.</summary>
    /// <exception cref="KeyNotFoundException">No such disk.</exception>
    /// <exception cref="ArgumentException">A size that is not whole sectors, or smaller than the disk (shrinking would cut data off).</exception>
    public long Resize(string name, long bytes)
    {
        var disk = Find(name) ?? throw new KeyNotFoundException($"no disk named '{name}'");
        if (disk.IsSan)
        {
            throw new ArgumentException($"Disk '{name}' is an export on a SAN ({disk.San}); resize it there.");
        }

        var lun = (FileLun?)Open(name) ?? throw new KeyNotFoundException($"the image of disk '{name}' is gone: {disk.Path}");
        if (bytes <= 0 || bytes % 512 != 0)
        {
            throw new ArgumentException($"A disk is a positive whole number of 512-byte sectors, not {bytes} bytes.");
        }

        if (bytes < lun.Size)
        {
            throw new ArgumentException($"Disk '{name}' holds {lun.Size} bytes; shrinking it to {bytes} would cut data off, so it is refused.");
        }

        lun.Resize(bytes);
        return bytes;
    }

    /// <summary>Forgets a disk; with <paramref name="deleteImage"/>, removes its image file too.</summary>
    /// <exception cref="KeyNotFoundException">No such disk.</exception>
    public DiskRecord Delete(string name, bool deleteImage)
    {
        lock (_lock)
        {
            if (!_disks.Remove(name, out var disk))
            {
                throw new KeyNotFoundException($"no disk named '{name}'");
            }

            if (_open.Remove(name, out var lun))
            {
                Release(lun);
            }

            Save();
            if (deleteImage && !disk.IsSan)
            {
                File.Delete(disk.Path);
            }

            return disk;
        }
    }

    /// <summary>Closes every open image and SAN connection, and stops reconnecting.</summary>
    public void Dispose()
    {
        _closing.Cancel();
        lock (_lock)
        {
            foreach (var lun in _open.Values)
            {
                Release(lun);
            }

            _open.Clear();
        }
    }

    private static void CheckName(string name)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name[0] == '.')
        {
            throw new ArgumentException($"'{name}' is not a disk name: 1..64 letters, digits, '-', '_' or '.', not starting with '.'.");
        }
    }

    private static void Release(ILun lun)
    {
        switch (lun)
        {
            case IDisposable disposable:
                disposable.Dispose();
                break;
            case IAsyncDisposable asyncDisposable:
                // The NBD client says goodbye to its server; a dead server cannot hold the daemon up.
                asyncDisposable.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
                break;
        }
    }

    private static long AllocatedBytes(string path)
    {
        try
        {
            // st_blocks is in 512-byte units whatever the file system's block size.
            return FileCalls.AllocatedBlocks(path) * 512;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private void Save()
    {
        StateFile.Write(_stateFile, new DiskState([.. _disks.Values.OrderBy(d => d.Name, StringComparer.Ordinal)]), DiskJson.Default.DiskState);
    }
}

/// <summary>The disk state file's document.</summary>
internal sealed record DiskState(IReadOnlyList<DiskRecord> Disks);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DiskState))]
internal sealed partial class DiskJson : JsonSerializerContext;
