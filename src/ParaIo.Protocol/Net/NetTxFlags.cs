namespace ParaIo.Protocol.Net;

/// <summary>Flags of a tx request (Xen <c>NETTXF_*</c>).</summary>
[Flags]
public enum NetTxFlags : ushort
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>The protocol checksum field is blank: the receiver (or the NIC) must fill it in.</summary>
    ChecksumBlank = 1 << 0,

    /// <summary>The protocol checksum has been validated.</summary>
    DataValidated = 1 << 1,

    /// <summary>Another slot of this frame follows.</summary>
    MoreData = 1 << 2,

    /// <summary>An extra-info slot follows this request (first slot only).</summary>
    ExtraInfo = 1 << 3,
}
