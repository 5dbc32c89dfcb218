using ParaIo.Protocol.Nbd;

namespace ParaIo.Backend.San;

/// <summary>Settings of one NBD client connection.</summary>
public sealed class NbdClientOptions
{
    /// <summary>How long connecting and the whole handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request may wait for its reply once it was queued. A server that keeps a request
    /// longer is taken for dead: the connection fails and every request on it with it.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests in flight on the connection at once; more wait for one to finish.</summary>
    public int MaxInFlight { get; init; } = 128;

    /// <summary>An upper bound on one READ or WRITE payload, below the server's own maximum; larger transfers are split.</summary>
    public int MaxPayload { get; init; } = NbdWire.DefaultMaxPayload;

    internal void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), "NBD client timeouts must be positive.");
        }

        if (MaxInFlight is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInFlight), $"Between 1 and {ushort.MaxValue} requests may be in flight, not {MaxInFlight}.");
        }

        if (MaxPayload < 4096 || !int.IsPow2(MaxPayload))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPayload), $"The payload cap is a power of two of at least 4096, not {MaxPayload}.");
        }
    }
}
