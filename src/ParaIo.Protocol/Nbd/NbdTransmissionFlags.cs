namespace ParaIo.Protocol.Nbd;

/// <summary>
/// What an NBD export supports (<c>NBD_FLAG_*</c> of the transmission flags): sent by the server
/// with the export's size when the client enters transmission.
/// </summary>
[Flags]
public enum NbdTransmissionFlags : ushort
{
    /// <summary>No flags: the server sent none.</summary>
    None = 0,

    /// <summary><c>NBD_FLAG_HAS_FLAGS</c>: the other flags are meaningful (a server always sets it).</summary>
    HasFlags = 1 << 0,

    /// <summary><c>NBD_FLAG_READ_ONLY</c>: the export refuses WRITE, TRIM and WRITE_ZEROES.</summary>
    ReadOnly = 1 << 1,

    /// <summary><c>NBD_FLAG_SEND_FLUSH</c>: the server has a write cache and takes NBD_CMD_FLUSH.</summary>
    SendFlush = 1 << 2,

    /// <summary><c>NBD_FLAG_SEND_FUA</c>: the server takes the FUA flag on writes.</summary>
    SendFua = 1 << 3,

    /// <summary><c>NBD_FLAG_ROTATIONAL</c>: the storage is rotational (a hint for the client's scheduler).</summary>
    Rotational = 1 << 4,

    /// <summary><c>NBD_FLAG_SEND_TRIM</c>: the server takes NBD_CMD_TRIM.</summary>
    SendTrim = 1 << 5,

    /// <summary><c>NBD_FLAG_SEND_WRITE_ZEROES</c>: the server takes NBD_CMD_WRITE_ZEROES.</summary>
    SendWriteZeroes = 1 << 6,

    /// <summary><c>NBD_FLAG_SEND_DF</c>: the server takes the DF flag on reads (structured replies only).</summary>
    SendDontFragment = 1 << 7,

    /// <summary><c>NBD_FLAG_CAN_MULTI_CONN</c>: a FLUSH on one connection covers writes completed on every connection to the export.</summary>
    CanMultiConn = 1 << 8,

    /// <summary><c>NBD_FLAG_SEND_RESIZE</c>: the server takes NBD_CMD_RESIZE.</summary>
    SendResize = 1 << 9,

    /// <summary><c>NBD_FLAG_SEND_CACHE</c>: the server takes NBD_CMD_CACHE.</summary>
    SendCache = 1 << 10,

    /// <summary><c>NBD_FLAG_SEND_FAST_ZERO</c>: the server takes the FAST_ZERO flag on WRITE_ZEROES.</summary>
    SendFastZero = 1 << 11,
}
