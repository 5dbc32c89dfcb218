namespace ParaIo.Backend.Net;

/// <summary>Why a frame for the guest was dropped.</summary>
public enum NetRxDrop
{
    /// <summary>The guest had not posted enough rx buffers.</summary>
    NoBuffers,

    /// <summary>The frame needs several buffers and the frontend did not offer <c>feature-sg</c>.</summary>
    NeedsScatterGather,

    /// <summary>A GSO frame of a kind the frontend did not offer.</summary>
    GsoNotOffered,

    /// <summary>A posted buffer's grant was refused (the frame reached the guest with an error slot).</summary>
    BadGrant,

    /// <summary>The device is stopping or stopped.</summary>
    Stopped,
}
