namespace ParaIo.Backend.Net;

/// <summary>Why a tx frame was dropped and answered ERROR (the device carries on).</summary>
public enum NetTxMalformed
{
    /// <summary>The frame is shorter than an Ethernet header.</summary>
    TooShort,

    /// <summary>The frame uses more than 18 data slots (and at most 20).</summary>
    TooManySlots,

    /// <summary>A later slot is larger than what is left of the first slot's frame size.</summary>
    SlotSize,

    /// <summary>A slot's grant was refused.</summary>
    BadGrant,
}
