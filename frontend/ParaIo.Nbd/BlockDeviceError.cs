namespace ParaIo.Nbd;

/// <summary>
/// Why a block device refused or failed a request. The values are the Linux errno numbers, which
/// are also the NBD protocol's error values, so the export passes them through unchanged.
/// </summary>
public enum BlockDeviceError
{
    /// <summary>EPERM: the device is read-only.</summary>
    NotPermitted = 1,

    /// <summary>EIO: the medium or the path to it failed.</summary>
    Io = 5,

    /// <summary>EINVAL: an offset or length is misaligned or outside the device.</summary>
    InvalidArgument = 22,

    /// <summary>ENOSPC: the backing store has no room for the write.</summary>
    NoSpace = 28,
}
