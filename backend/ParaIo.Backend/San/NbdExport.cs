using ParaIo.Protocol.Nbd;

namespace ParaIo.Backend.San;

/// <summary>An NBD export as its server described it in the handshake.</summary>
/// <param name="Name">The export name the client asked for.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Flags">The transmission flags.</param>
/// <param name="MinimumBlockSize">The smallest unit of a request (1 when the server did not say).</param>
/// <param name="PreferredBlockSize">The unit that avoids read-modify-write on the server (4096 when it did not say).</param>
/// <param name="MaxPayload">The largest READ or WRITE payload the client sends: the server's maximum, capped by <see cref="NbdClientOptions.MaxPayload"/>.</param>
/// <param name="NegotiatedWithGo">True when the export was chosen with NBD_OPT_GO, false after the NBD_OPT_EXPORT_NAME fallback.</param>
public sealed record NbdExport(string Name, long Size, NbdTransmissionFlags Flags, int MinimumBlockSize, int PreferredBlockSize, int MaxPayload, bool NegotiatedWithGo)
{
    /// <summary>True when the export refuses writes and trims.</summary>
    public bool IsReadOnly => (Flags & NbdTransmissionFlags.ReadOnly) != 0;

    /// <summary>True when the server takes NBD_CMD_FLUSH.</summary>
    public bool CanFlush => (Flags & NbdTransmissionFlags.SendFlush) != 0;

    /// <summary>True when the server takes the FUA flag on writes.</summary>
    public bool CanFua => (Flags & NbdTransmissionFlags.SendFua) != 0;

    /// <summary>True when the server takes NBD_CMD_TRIM.</summary>
    public bool CanTrim => (Flags & NbdTransmissionFlags.SendTrim) != 0;

    /// <summary>True when a FLUSH on one connection covers writes completed on any other.</summary>
    public bool CanMultiConn => (Flags & NbdTransmissionFlags.CanMultiConn) != 0;
}
