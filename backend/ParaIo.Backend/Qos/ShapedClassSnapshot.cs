namespace ParaIo.Backend.Qos;

/// <summary>The counters of one traffic class of a <see cref="ShapedFlow"/> at one instant. Rates are bytes a second.</summary>
/// <param name="Name">The class's name (<c>default</c> for the class of unmatched frames).</param>
/// <param name="CommittedRate">The configured guaranteed share; 0 for best effort.</param>
/// <param name="Ceiling">The configured ceiling, or null when only the vNIC's limits apply.</param>
/// <param name="Priority">The configured priority, 0 (highest) to 7.</param>
/// <param name="BytesSent">Bytes forwarded into the bridge.</param>
/// <param name="FramesSent">Frames forwarded into the bridge.</param>
/// <param name="Dropped">Frames dropped: the class's queue was full, the class or vNIC was removed with them queued, or the port had left its bridge.</param>
/// <param name="Queued">Frames waiting now.</param>
/// <param name="QueuedBytes">Bytes waiting now.</param>
/// <param name="Rate">Bytes a second forwarded over the last second.</param>
public readonly record struct ShapedClassSnapshot(
    string Name,
    long CommittedRate,
    long? Ceiling,
    int Priority,
    long BytesSent,
    long FramesSent,
    long Dropped,
    int Queued,
    long QueuedBytes,
    double Rate);
