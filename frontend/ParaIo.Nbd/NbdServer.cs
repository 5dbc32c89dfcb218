using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Nbd.Connections;

namespace ParaIo.Nbd;

/// <summary>
/// Serves one <see cref="IBlockDevice"/> as an NBD export on a Unix socket (and optionally TCP
/// loopback), so qemu-img, nbdcopy, nbdinfo and fio's nbd engine reach it unmodified.
/// </summary>
/// <remarks>
/// The server speaks the fixed newstyle handshake (NBD_OPT_EXPORT_NAME, GO, INFO, LIST, ABORT)
/// and simple replies; structured replies, TLS and metadata contexts are refused. Each client is
/// served independently with up to <see cref="NbdServerOptions.MaxInFlightPerConnection"/>
/// requests running at once. A client that breaks the protocol is disconnected alone, with the
/// reason logged.
/// </remarks>
public sealed class NbdServer : IAsyncDisposable
{
    private readonly IBlockDevice _device;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<NbdConnection, Task> _connections = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly Lock _lifecycle = new();
    private long _nextConnectionId;
    private bool _started;
    private bool _ownsUnixSocketFile;
    private Task? _stopTask;

    /// <summary>Creates a server for <paramref name="device"/>; nothing listens until <see cref="Start"/>.</summary>
    public NbdServer(IBlockDevice device, NbdServerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        if (device.BlockSize is not (512 or 4096) || device.Size <= 0 || device.Size % device.BlockSize != 0)
        {
            throw new ArgumentException($"The device must have a block size of 512 or 4096 and a positive size that is a multiple of it (block {device.BlockSize}, size {device.Size}).", nameof(device));
        }

        options.Validate(device);
        _device = device;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The device behind the export.</summary>
    public IBlockDevice Device => _device;

    /// <summary>The Unix socket path, if the server listens on one.</summary>
    public string? UnixSocketPath => _options.UnixSocketPath;

    /// <summary>The TCP endpoint actually bound (with the chosen port), once <see cref="Start"/> has run.</summary>
    public IPEndPoint? TcpEndPoint { get; private set; }

    /// <summary>Counters of connections, requests and protocol violations.</summary>
    public NbdServerStatistics Statistics { get; } = new();

    /// <summary>Binds the listening sockets and starts accepting clients.</summary>
    /// <exception cref="IOException">The Unix socket path already exists.</exception>
    public void Start()
    {
        lock (_lifecycle)
        {
            if (_started)
            {
                throw new InvalidOperationException("The server has already been started.");
            }

            _started = true;
            try
            {
                if (_options.UnixSocketPath is { } path)
                {
                    // A leftover socket file is not removed: the path may belong to another
                    // server, and only the caller knows whether it is stale.
                    if (File.Exists(path) || Directory.Exists(path))
                    {
                        throw new IOException($"'{path}' already exists; remove it if it is a stale socket.");
                    }

                    var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    _listeners.Add(listener);
                    listener.Bind(new UnixDomainSocketEndPoint(path));
                    _ownsUnixSocketFile = true;
                    File.SetUnixFileMode(path, _options.UnixSocketMode);
                    listener.Listen(128);
                    Listen(listener, path);
                }

                if (_options.TcpEndPoint is { } endPoint)
                {
                    var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    _listeners.Add(listener);
                    listener.Bind(endPoint);
                    listener.Listen(128);
                    TcpEndPoint = (IPEndPoint)listener.LocalEndPoint!;
                    Listen(listener, TcpEndPoint.ToString());
                }
            }
            catch
            {
                CloseListeners();
                throw;
            }
        }
    }

    /// <summary>
    /// Stops the server: accepts no more clients, lets every connection answer the requests it
    /// has in flight, then closes them. When <paramref name="cancellationToken"/> fires first,
    /// the remaining connections are aborted (device calls cancelled, sockets closed).
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_lifecycle)
        {
            _stopTask ??= StopCoreAsync(cancellationToken);
            return _stopTask;
        }
    }

    /// <summary>Stops the server gracefully; see <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private void Listen(Socket listener, string endpoint)
    {
        NbdLog.Listening(_logger, _options.ExportName, _device.Size, _device.BlockSize, endpoint);
        _acceptLoops.Add(Task.Run(() => AcceptAsync(listener, endpoint)));
    }

    private async Task AcceptAsync(Socket listener, string endpoint)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (_stopping.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A client that reset before it was accepted, or a descriptor shortage: keep serving.
                NbdLog.AcceptFault(_logger, e, endpoint);
                continue;
            }

            if (Statistics.ActiveConnections >= _options.MaxConnections)
            {
                Statistics.ConnectionRefused();
                NbdLog.TooManyConnections(_logger, Statistics.ActiveConnections);
                client.Dispose();
                continue;
            }

            if (client.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            {
                // Replies are written whole and flushed in batches; Nagle would only add latency.
                client.NoDelay = true;
            }

            var id = Interlocked.Increment(ref _nextConnectionId);
            NbdLog.Connected(_logger, id, endpoint);
            Statistics.ConnectionAccepted();
            var connection = new NbdConnection(id, client, _device, _options, Statistics, _logger);
            _connections[connection] = RunConnectionAsync(connection);
        }
    }

    private async Task RunConnectionAsync(NbdConnection connection)
    {
        // Yield so the accept loop goes back to accepting while this client's handshake runs.
        await Task.Yield();
        try
        {
            await connection.RunAsync();
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            Statistics.ConnectionClosed();
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        CloseListeners();
        await Task.WhenAll(_acceptLoops);

        // No connection can be added now that the accept loops have ended.
        foreach (var connection in _connections.Keys)
        {
            connection.RequestStop();
        }

        var all = Task.WhenAll(_connections.Values);
        try
        {
            await all.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            NbdLog.StopAborted(_logger, _connections.Count);
            foreach (var connection in _connections.Keys)
            {
                connection.Abort();
            }

            await all;
        }
    }

    private void CloseListeners()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _listeners.Clear();
        if (_options.UnixSocketPath is { } path && _ownsUnixSocketFile)
        {
            _ownsUnixSocketFile = false;
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Someone else removed or replaced it; nothing of ours is left to clean.
            }
        }
    }
}
