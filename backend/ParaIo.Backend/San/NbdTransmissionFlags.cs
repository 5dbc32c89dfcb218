namespace ParaIo.Backend.San;

/// <summary>What an NBD export supports, as its server announced it when the client entered transmission.</summary>
[Flags]
public enum NbdTransmissionFlags : ushort
{
    /// <summary>No flags: the server sent none.</summary>
    None = 0,

    /// <summary>The other flags are meaningful (always set by a real server).</summary>
    HasFlags = 1 << 0,

    /// <summary>The export refuses WRITE and TRIM.</summary>
    ReadOnly = 1 << 1,

    /// <summary>The server has a write cache and takes NBD_CMD_FLUSH.</summary>
    SendFlush = 1 << 2,

    /// <summary>The server takes the FUA flag on writes.</summary>
    SendFua = 1 << 3,

    /// <summary>The storage is rotational (a hint).</summary>
    Rotational = 1 << 4,

    /// <summary>The server takes NBD_CMD_TRIM.</summary>
    SendTrim = 1 << 5,

    /// <summary>The server takes NBD_CMD_WRITE_ZEROES.</summary>
    SendWriteZeroes = 1 << 6,

    /// <summary>The server takes the DF flag on reads (structured replies only).</summary>
    SendDontFragment = 1 << 7,

    /// <summary>A FLUSH on one connection covers writes completed on every connection to the export.</summary>
    CanMultiConn = 1 << 8,

    /// <summary>The server takes NBD_CMD_RESIZE.</summary>
    SendResize = 1 << 9,

    /// <summary>The server takes NBD_CMD_CACHE.</summary>
    SendCache = 1 << 10,

    /// <summary>The server takes the FAST_ZERO flag.</summary>
    SendFastZero = 1 << 11,
}
