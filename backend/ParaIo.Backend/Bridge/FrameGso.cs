namespace ParaIo.Backend.Bridge;

/// <summary>What a GSO frame is to be segmented as.</summary>
public enum FrameGso : byte
{
    /// <summary>Not a GSO frame.</summary>
    None = 0,

    /// <summary>TCP over IPv4.</summary>
    TcpV4 = 1,

    /// <summary>TCP over IPv6.</summary>
    TcpV6 = 2,
}
