namespace ParaIo.Protocol.Block;

/// <summary>Bits of the backend's <c>info</c> key (Xen <c>VDISK_*</c>).</summary>
[Flags]
public enum VdiskInfo : uint
{
    /// <summary>No attribute.</summary>
    None = 0,

    /// <summary><c>VDISK_CDROM</c>.</summary>
    CdRom = 0x1,

    /// <summary><c>VDISK_REMOVABLE</c>.</summary>
    Removable = 0x2,

    /// <summary><c>VDISK_READONLY</c>: the backend refuses writes and discards.</summary>
    ReadOnly = 0x4,
}
