using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Store.Tree;

namespace ParaIo.Store.Server;

/// <summary>
/// Serves a <see cref="StoreTree"/> on a Unix socket. Each connection starts with HELLO (which may
/// carry file descriptors), is bound to a domain by the host's <see cref="StoreAuthenticator"/>,
/// and then speaks the framed protocol of <see cref="Protocol.StoreMessageType"/>. A client that
/// breaks the protocol is disconnected and logged; the others carry on.
/// </summary>
public sealed class StoreServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, StoreConnection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _nextConnectionId;
    private int _stopped;

    /// <summary>Creates a server; nothing listens until <see cref="Start"/>.</summary>
    public StoreServer(StoreServerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.SocketPath);
        ArgumentNullException.ThrowIfNull(options.Authenticator);
        Options = options;
        Tree = options.Tree ?? new StoreTree();
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The tree this server serves; the host acts on it directly as domain 0.</summary>
    public StoreTree Tree { get; }

    /// <summary>The socket path.</summary>
    public string SocketPath => Options.SocketPath;

    /// <summary>The authenticated connections open now.</summary>
    public IReadOnlyCollection<StoreConnectionInfo> Connections =>
        [.. _connections.Values.Select(c => c.Info).OfType<StoreConnectionInfo>()];

    internal StoreServerOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>
    /// Binds the socket (mode 0660; a stale socket file nobody listens on is replaced) and starts
    /// accepting connections.
    /// </summary>
    /// <exception cref="IOException">Another server already listens on the path.</exception>
    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server has already been started.");
        }

        RemoveStaleSocket(SocketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));

            // Nobody can connect before listen(), so setting the mode here leaves no window.
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("The store serves Unix sockets on Linux.");
            }

            File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
        StoreLog.Listening(Logger, SocketPath);
    }

    /// <summary>Closes the connection with <paramref name="connectionId"/>; false when there is none.</summary>
    public bool Disconnect(long connectionId)
    {
        if (!_connections.TryGetValue(connectionId, out var connection))
        {
            return false;
        }

        connection.Abort("disconnected by the host", isFault: false);
        return true;
    }

    /// <summary>
    /// Stops accepting, closes every connection (their watches and transactions go with them,
    /// <see cref="StoreServerOptions.ConnectionClosed"/> is called for each) and removes the socket file.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0 || _listener is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop!.ConfigureAwait(false);

        var running = new List<Task>();
        foreach (var connection in _connections.Values)
        {
            connection.Abort("the server is stopping", isFault: false);
            if (connection.Completion is { } completion)
            {
                running.Add(completion);
            }
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }

        StoreLog.Stopped(Logger, SocketPath);
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    internal void NotifyOpened(StoreConnectionInfo info) => Invoke(Options.ConnectionOpened, info);

    internal void NotifyClosed(StoreConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        connection.Dispose();
        if (connection.Info is { } info)
        {
            Invoke(Options.ConnectionClosed, info);
        }
    }

    private void Invoke(Action<StoreConnectionInfo>? callback, StoreConnectionInfo info)
    {
        try
        {
            callback?.Invoke(info);
        }
        catch (Exception exception)
        {
            StoreLog.CallbackFailed(Logger, exception);
        }
    }

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException exception)
            {
                // Out of descriptors, usually: back off instead of spinning.
                StoreLog.AcceptFailed(Logger, exception);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            if (_connections.Count >= Options.MaxConnections)
            {
                StoreLog.TooManyConnections(Logger, _connections.Count);
                socket.Dispose();
                continue;
            }

            var connection = new StoreConnection(this, Interlocked.Increment(ref _nextConnectionId), socket);
            _connections[connection.Id] = connection;
            connection.Completion = Task.Run(connection.RunAsync);
        }
    }

    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }

        throw new IOException($"Another store server is listening on {path}.");
    }
}
