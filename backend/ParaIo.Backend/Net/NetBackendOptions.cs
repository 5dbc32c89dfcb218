namespace ParaIo.Backend.Net;

/// <summary>Limits and tuning of the vif backend.</summary>
public sealed class NetBackendOptions
{
    /// <summary>The most queue pairs a frontend may set up (<c>multi-queue-max-queues</c>).</summary>
    public int MaxQueues { get; init; } = 4;

    /// <summary>How long a queue's tx thread spins before it sleeps on its port.</summary>
    public TimeSpan Spin { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>Frames a tx thread takes before it publishes their responses.</summary>
    public int TxBatch { get; init; } = 64;

    /// <summary>
    /// Grants each queue keeps mapped per direction when the frontend offers
    /// <c>feature-persistent</c>; grants beyond are mapped per frame.
    /// </summary>
    public int MaxPersistentGrants { get; init; } = 1024;

    /// <summary>Offer TCPv4 and TCPv6 GSO.</summary>
    public bool Gso { get; init; } = true;

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueues, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxQueues, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(Spin, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(TxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPersistentGrants);
    }
}
