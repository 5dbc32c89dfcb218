namespace ParaIo.Nbd;

/// <summary>Counters of one <see cref="NbdServer"/>, safe to read while it runs.</summary>
public sealed class NbdServerStatistics
{
    private long _connectionsAccepted;
    private long _connectionsRefused;
    private long _activeConnections;
    private long _requestsAnswered;
    private long _errorReplies;
    private long _protocolViolations;

    /// <summary>Clients accepted since the server started.</summary>
    public long ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Clients closed on arrival because <see cref="NbdServerOptions.MaxConnections"/> were already connected.</summary>
    public long ConnectionsRefused => Volatile.Read(ref _connectionsRefused);

    /// <summary>Clients connected now, in the handshake or in transmission.</summary>
    public long ActiveConnections => Volatile.Read(ref _activeConnections);

    /// <summary>Transmission requests answered, successfully or with an error.</summary>
    public long RequestsAnswered => Volatile.Read(ref _requestsAnswered);

    /// <summary>Transmission requests answered with a non-zero error.</summary>
    public long ErrorReplies => Volatile.Read(ref _errorReplies);

    /// <summary>Clients disconnected for breaking the protocol (bad magic, truncated frame, bad flags).</summary>
    public long ProtocolViolations => Volatile.Read(ref _protocolViolations);

    internal void ConnectionAccepted()
    {
        Interlocked.Increment(ref _connectionsAccepted);
        Interlocked.Increment(ref _activeConnections);
    }

    internal void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);

    internal void ConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);

    internal void RequestAnswered(bool failed)
    {
        Interlocked.Increment(ref _requestsAnswered);
        if (failed)
        {
            Interlocked.Increment(ref _errorReplies);
        }
    }

    internal void ProtocolViolation() => Interlocked.Increment(ref _protocolViolations);
}
