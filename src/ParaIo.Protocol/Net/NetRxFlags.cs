namespace ParaIo.Protocol.Net;

/// <summary>Flags of an rx response (Xen <c>NETRXF_*</c>).</summary>
[Flags]
public enum NetRxFlags : ushort
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>The protocol checksum has been validated.</summary>
    DataValidated = 1 << 0,

    /// <summary>The protocol checksum field is blank (the frame's sender offloaded it).</summary>
    ChecksumBlank = 1 << 1,

    /// <summary>Another slot of this frame follows.</summary>
    MoreData = 1 << 2,

    /// <summary>An extra-info slot follows this response (first slot only).</summary>
    ExtraInfo = 1 << 3,

    /// <summary>Xen's GSO prefix descriptor (never sent by ParaIo).</summary>
    GsoPrefix = 1 << 4,
}
