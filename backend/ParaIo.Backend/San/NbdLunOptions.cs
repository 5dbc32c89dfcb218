namespace ParaIo.Backend.San;

/// <summary>Settings of a LUN served from an NBD export.</summary>
public sealed class NbdLunOptions
{
    /// <summary>The connection's settings: timeouts, requests in flight, payload cap.</summary>
    public NbdClientOptions Client { get; init; } = new();

    /// <summary>
    /// How long a request waits for the server to come back once its connection failed; after
    /// that it fails with <see cref="IOException"/> (BlkBack answers the guest with an error).
    /// </summary>
    public TimeSpan ReconnectDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before the second attempt to reconnect (the first is immediate); it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between two attempts to reconnect.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Serve the LUN read-only even when the export is writable.</summary>
    public bool ReadOnly { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Client);
        Client.Validate();
        if (ReconnectDeadline < TimeSpan.Zero || InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(ReconnectDeadline), "The reconnect deadline must not be negative, and the backoffs must be positive, the initial one no longer than the longest.");
        }
    }
}
