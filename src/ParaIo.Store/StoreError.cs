namespace ParaIo.Store;

/// <summary>
/// Why the store refused an operation. On the wire each value travels as the errno name shown on
/// it (Xen's convention), in an ERROR frame.
/// </summary>
public enum StoreError
{
    /// <summary>The operation succeeded.</summary>
    None = 0,

    /// <summary><c>EINVAL</c>: a malformed path, permission list or argument.</summary>
    InvalidArgument,

    /// <summary><c>EACCES</c>: the caller's domain lacks the permission the operation needs.</summary>
    PermissionDenied,

    /// <summary><c>ENOENT</c>: no such node, watch or transaction.</summary>
    NotFound,

    /// <summary><c>EAGAIN</c>: a transaction conflicted with a concurrent change; start it again.</summary>
    Conflict,

    /// <summary><c>E2BIG</c>: a path, value, permission list or reply exceeds its size limit.</summary>
    TooBig,

    /// <summary><c>EQUOTA</c>: the domain or connection already holds as many nodes, watches or transactions as it may.</summary>
    QuotaExceeded,

    /// <summary><c>EEXIST</c>: the watch is already registered with that token.</summary>
    AlreadyExists,

    /// <summary><c>EBUSY</c>: the operation cannot run in this state (for example, starting a transaction inside one).</summary>
    Busy,

    /// <summary><c>EIO</c>: the host failed while carrying out the request (a control command whose handler threw).</summary>
    IoError,

    /// <summary>The server answered an errno name this client does not know.</summary>
    Unknown,
}
