namespace ParaIo.Protocol.Nbd;

/// <summary>The <c>error</c> of a transmission-phase reply: the protocol fixes these to the Linux errno numbers.</summary>
public enum NbdError : uint
{
    /// <summary>The request succeeded.</summary>
    None = 0,

    /// <summary><c>EPERM</c>: the request is not allowed, such as a write to a read-only export.</summary>
    NotPermitted = 1,

    /// <summary><c>EIO</c>: the storage failed the request.</summary>
    Io = 5,

    /// <summary><c>ENOMEM</c>: the server had no memory for the request.</summary>
    NoMemory = 12,

    /// <summary><c>EINVAL</c>: the request is malformed, or uses a command or flag that was not negotiated.</summary>
    InvalidArgument = 22,

    /// <summary><c>ENOSPC</c>: the request reaches past the end of the export, or the storage is full.</summary>
    NoSpace = 28,

    /// <summary><c>EOVERFLOW</c>: a READ with <see cref="NbdCommandFlags.DontFragment"/> is larger than the server sends in one chunk.</summary>
    Overflow = 75,

    /// <summary><c>ENOTSUP</c>: the server cannot do this request, such as a FAST_ZERO it could only do slowly.</summary>
    NotSupported = 95,

    /// <summary><c>ESHUTDOWN</c>: the server is going away; the client should send nothing more on this connection.</summary>
    Shutdown = 108,
}
