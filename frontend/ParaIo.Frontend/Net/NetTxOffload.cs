using ParaIo.Protocol.Net;

namespace ParaIo.Frontend.Net;

/// <summary>Offload metadata a frame is sent with.</summary>
/// <param name="ChecksumBlank">The L4 checksum is left blank for the receiver to fill in.</param>
/// <param name="DataValidated">The L4 checksum is known good.</param>
/// <param name="Gso">Segment the frame as this protocol (a frame up to 64 KiB), or none.</param>
/// <param name="GsoSize">The segment size (MSS) of a GSO frame.</param>
public readonly record struct NetTxOffload(bool ChecksumBlank = false, bool DataValidated = false, NetifGsoType Gso = NetifGsoType.None, ushort GsoSize = 0)
{
    /// <summary>No offloads.</summary>
    public static NetTxOffload None => default;
}
