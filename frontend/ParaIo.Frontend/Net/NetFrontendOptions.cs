namespace ParaIo.Frontend.Net;

/// <summary>Tuning of a vif frontend.</summary>
public sealed class NetFrontendOptions
{
    /// <summary>Queue pairs to set up; capped by the backend's <c>multi-queue-max-queues</c>.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>Pool pages for outgoing frames, shared by all queues (a 64 KiB frame takes 16).</summary>
    public int TxPages { get; init; } = 256;

    /// <summary>Rx buffers (pages) kept posted on each queue, at most the ring's 256.</summary>
    public int RxPages { get; init; } = 256;

    /// <summary>The backend's domain, to which buffers are granted.</summary>
    public ushort BackendDomain { get; init; }

    /// <summary>How long a queue thread spins before it sleeps on its port.</summary>
    public TimeSpan Spin { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>
    /// Called on a queue's thread for every received frame; the frame is valid only during the call
    /// (its buffers are posted again when it returns). Frames arriving without a receiver are dropped.
    /// </summary>
    public Action<NetReceivedFrame>? Receiver { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Queues, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Queues, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(TxPages, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TxPages, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(RxPages, 20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RxPages, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(Spin, TimeSpan.Zero);
    }
}
