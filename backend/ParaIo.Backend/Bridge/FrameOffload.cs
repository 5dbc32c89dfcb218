namespace ParaIo.Backend.Bridge;

/// <summary>
/// What a frame's sender left for the receiver to do or has already done: a blank checksum to
/// fill in, a checksum validated, and a GSO frame to cut into segments of <see cref="GsoSize"/>.
/// The bridge carries it unchanged from the ingress port to the egress ports.
/// </summary>
/// <param name="ChecksumBlank">The L4 checksum is blank (partial).</param>
/// <param name="DataValidated">The L4 checksum is known good.</param>
/// <param name="Gso">The GSO kind, or <see cref="FrameGso.None"/>.</param>
/// <param name="GsoSize">The segment size (MSS) of a GSO frame.</param>
public readonly record struct FrameOffload(bool ChecksumBlank, bool DataValidated, FrameGso Gso, ushort GsoSize)
{
    /// <summary>No offloads.</summary>
    public static FrameOffload None => default;
}
