namespace ParaIo.Protocol.Nbd;

/// <summary>The <c>type</c> of a transmission-phase request (<c>NBD_CMD_*</c>).</summary>
public enum NbdCommand : ushort
{
    /// <summary><c>NBD_CMD_READ</c>: read the range; a successful reply carries its bytes.</summary>
    Read = 0,

    /// <summary><c>NBD_CMD_WRITE</c>: write the request's payload at its offset.</summary>
    Write = 1,

    /// <summary><c>NBD_CMD_DISC</c>: the client is going away; it gets no reply, and the server closes once earlier requests are answered.</summary>
    Disconnect = 2,

    /// <summary><c>NBD_CMD_FLUSH</c>: make every write answered before it durable; offset and length are zero. Only with <see cref="NbdTransmissionFlags.SendFlush"/>.</summary>
    Flush = 3,

    /// <summary><c>NBD_CMD_TRIM</c>: a hint that the range is no longer needed; its contents afterwards are unspecified. Only with <see cref="NbdTransmissionFlags.SendTrim"/>.</summary>
    Trim = 4,

    /// <summary><c>NBD_CMD_CACHE</c>: prefetch the range into the server's cache. Only with <see cref="NbdTransmissionFlags.SendCache"/>.</summary>
    Cache = 5,

    /// <summary><c>NBD_CMD_WRITE_ZEROES</c>: make the range read as zeros, with no payload. Only with <see cref="NbdTransmissionFlags.SendWriteZeroes"/>.</summary>
    WriteZeroes = 6,

    /// <summary><c>NBD_CMD_BLOCK_STATUS</c>: describe the range in the negotiated metadata contexts (structured replies only).</summary>
    BlockStatus = 7,
}
