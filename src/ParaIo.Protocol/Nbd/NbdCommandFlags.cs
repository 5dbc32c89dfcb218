namespace ParaIo.Protocol.Nbd;

/// <summary>The <c>command flags</c> of a transmission-phase request (<c>NBD_CMD_FLAG_*</c>).</summary>
[Flags]
public enum NbdCommandFlags : ushort
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary><c>NBD_CMD_FLAG_FUA</c>: the write is durable before its reply is sent. Only with <see cref="NbdTransmissionFlags.SendFua"/>.</summary>
    ForceUnitAccess = 1 << 0,

    /// <summary><c>NBD_CMD_FLAG_NO_HOLE</c>: WRITE_ZEROES must allocate the range rather than punch a hole.</summary>
    NoHole = 1 << 1,

    /// <summary><c>NBD_CMD_FLAG_DF</c>: a READ's data comes back in one structured chunk. Only with <see cref="NbdTransmissionFlags.SendDontFragment"/>.</summary>
    DontFragment = 1 << 2,

    /// <summary><c>NBD_CMD_FLAG_REQ_ONE</c>: BLOCK_STATUS answers with one extent a context.</summary>
    RequestOne = 1 << 3,

    /// <summary><c>NBD_CMD_FLAG_FAST_ZERO</c>: WRITE_ZEROES fails at once rather than zeroing slowly. Only with <see cref="NbdTransmissionFlags.SendFastZero"/>.</summary>
    FastZero = 1 << 4,
}
