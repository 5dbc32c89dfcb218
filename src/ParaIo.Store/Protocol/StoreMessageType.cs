namespace ParaIo.Store.Protocol;

/// <summary>
/// The <c>type</c> field of a frame: Xen's <c>xsd_sockmsg_type</c> numbers where Xen has the
/// operation, ParaIo's own from 128 up. A reply carries its request's type, or <see cref="Error"/>.
/// </summary>
public enum StoreMessageType : uint
{
    /// <summary>
    /// Xen's <c>XS_CONTROL</c>: a management command for the host, domain 0 only and outside any
    /// transaction. Request <c>arg\0arg\0...</c>, the first argument naming the command; reply the
    /// host's answer as UTF-8 text (no terminator). The server may answer it after requests sent
    /// later on the same connection: match replies by <c>req_id</c>.
    /// </summary>
    Control = 0,

    /// <summary>List a node's children. Request <c>path\0</c>; reply <c>name\0</c> per child.</summary>
    Directory = 1,

    /// <summary>Read a value. Request <c>path\0</c>; reply the raw value bytes (no terminator).</summary>
    Read = 2,

    /// <summary>Read a permission list. Request <c>path\0</c>; reply <c>perm\0</c> per entry.</summary>
    GetPermissions = 3,

    /// <summary>Register a watch. Request <c>path\0token\0</c>; reply <c>OK\0</c>, then one event at once.</summary>
    Watch = 4,

    /// <summary>Remove a watch. Request <c>path\0token\0</c>; reply <c>OK\0</c>.</summary>
    Unwatch = 5,

    /// <summary>Begin a transaction. Request <c>\0</c>; reply the decimal id and <c>\0</c>.</summary>
    TransactionStart = 6,

    /// <summary>End the transaction named in <c>tx_id</c>. Request <c>T\0</c> (commit) or <c>F\0</c> (abort); reply <c>OK\0</c> or EAGAIN.</summary>
    TransactionEnd = 7,

    /// <summary>Write a value. Request <c>path\0</c> then the value bytes to the end of the payload; reply <c>OK\0</c>.</summary>
    Write = 11,

    /// <summary>Create a node. Request <c>path\0</c>; reply <c>OK\0</c>.</summary>
    Mkdir = 12,

    /// <summary>Remove a subtree. Request <c>path\0</c>; reply <c>OK\0</c>.</summary>
    Remove = 13,

    /// <summary>Replace a permission list. Request <c>path\0perm\0perm\0...</c>; reply <c>OK\0</c>.</summary>
    SetPermissions = 14,

    /// <summary>Server to client, unsolicited: <c>path\0token\0</c> with <c>req_id</c> and <c>tx_id</c> 0.</summary>
    WatchEvent = 15,

    /// <summary>A refused request: <c>ERRNO\0</c>, for example <c>EACCES\0</c>.</summary>
    Error = 16,

    /// <summary>
    /// ParaIo: the first frame of every connection, <c>name\0token\0</c>, optionally with file
    /// descriptors (SCM_RIGHTS); reply the decimal domain id and <c>\0</c>, or ERROR EACCES and close.
    /// </summary>
    Hello = 128,
}
