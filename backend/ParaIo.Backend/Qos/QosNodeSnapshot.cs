namespace ParaIo.Backend.Qos;

/// <summary>Counters of one <see cref="QosNode"/> at one instant.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="BytesSent">Bytes sent or admitted through the node since it was created.</param>
/// <param name="OpsSent">Operations (frames, requests) sent or admitted through the node.</param>
/// <param name="BorrowedBytes">Bytes of <paramref name="BytesSent"/> a leaf sent beyond its own committed rate.</param>
/// <param name="Dropped">Work refused because the leaf's queue was full.</param>
/// <param name="Queued">Work waiting in the leaf's queue now: frames and admission waiters, not cancelled ones.</param>
/// <param name="Rate">Estimated bytes a second: an exponentially weighted average over fixed windows.</param>
/// <param name="OpsRate">Estimated operations a second, averaged the same way.</param>
public readonly record struct QosNodeSnapshot(
    string Name,
    long BytesSent,
    long OpsSent,
    long BorrowedBytes,
    long Dropped,
    int Queued,
    double Rate,
    double OpsRate);
