namespace ParaIo.Store.Client;

/// <summary>Timeouts and bounds of a <see cref="StoreClient"/>.</summary>
public sealed class StoreClientOptions
{
    /// <summary>The defaults: 10 s to connect and be greeted, 30 s for each request.</summary>
    public static StoreClientOptions Default { get; } = new();

    /// <summary>How long connecting and the HELLO exchange may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request may wait for its reply (<see cref="Timeout.InfiniteTimeSpan"/> for ever).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests queued for sending before callers wait for room.</summary>
    public int MaxQueuedRequests { get; init; } = 1024;
}
