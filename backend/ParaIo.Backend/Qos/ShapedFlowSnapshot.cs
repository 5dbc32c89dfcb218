namespace ParaIo.Backend.Qos;

/// <summary>
/// The counters of one <see cref="ShapedFlow"/> (a vNIC's egress) at one instant, and of each of
/// its classes. The flow's totals include classes since removed. Rates are bytes a second.
/// </summary>
/// <param name="Name">The vNIC's name.</param>
/// <param name="CommittedRate">The configured committed rate; 0 for best effort.</param>
/// <param name="Ceiling">The configured ceiling, or null when only the port's line rate applies.</param>
/// <param name="Priority">The configured priority, 0 (highest) to 7.</param>
/// <param name="BytesSent">Bytes forwarded into the bridge.</param>
/// <param name="FramesSent">Frames forwarded into the bridge.</param>
/// <param name="Dropped">Frames dropped (see <see cref="ShapedClassSnapshot.Dropped"/>), including those sent after the vNIC was removed.</param>
/// <param name="Queued">Frames waiting now.</param>
/// <param name="QueuedBytes">Bytes waiting now.</param>
/// <param name="Rate">Bytes a second forwarded over the last second.</param>
/// <param name="Classes">Its classes, in configured order, the default class last unless configured.</param>
public sealed record ShapedFlowSnapshot(
    string Name,
    long CommittedRate,
    long? Ceiling,
    int Priority,
    long BytesSent,
    long FramesSent,
    long Dropped,
    int Queued,
    long QueuedBytes,
    double Rate,
    IReadOnlyList<ShapedClassSnapshot> Classes);
