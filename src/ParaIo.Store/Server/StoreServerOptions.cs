using ParaIo.Store.Tree;

namespace ParaIo.Store.Server;

/// <summary>How a <see cref="StoreServer"/> listens, authenticates and bounds its connections.</summary>
public sealed class StoreServerOptions
{
    /// <summary>The Unix socket to listen on (created with mode 0660; its directory is the host's business).</summary>
    public required string SocketPath { get; init; }

    /// <summary>Decides the domain of each connection from its HELLO.</summary>
    public required StoreAuthenticator Authenticator { get; init; }

    /// <summary>The tree to serve; a new one with <see cref="StoreLimits.Default"/> when null.</summary>
    public StoreTree? Tree { get; init; }

    /// <summary>How long a new connection has to send its HELLO and be authenticated.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The most connections at once, authenticated or not; more are closed at accept.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>
    /// Frames (replies and watch events) queued for one connection before the server stops reading
    /// its requests; a watch event that finds the queue full disconnects the connection, because
    /// a client that does not read its socket must not grow the daemon's memory.
    /// </summary>
    public int MaxQueuedFrames { get; init; } = 1024;

    /// <summary>
    /// Answers CONTROL requests from domain-0 connections; when null they are answered ERROR EINVAL.
    /// Requests run concurrently with the connection's other requests, so a slow command (creating
    /// a domain) holds up nothing but its own reply.
    /// </summary>
    public StoreControlHandler? ControlHandler { get; init; }

    /// <summary>
    /// CONTROL requests one connection may have running at once; the server reads no further
    /// requests from a connection at the limit until one finishes.
    /// </summary>
    public int MaxControlRequestsPerConnection { get; init; } = 16;

    /// <summary>Called when a connection has been authenticated.</summary>
    public Action<StoreConnectionInfo>? ConnectionOpened { get; init; }

    /// <summary>Called once an authenticated connection has closed and its watches and transactions are gone (to tear a domain down).</summary>
    public Action<StoreConnectionInfo>? ConnectionClosed { get; init; }
}
