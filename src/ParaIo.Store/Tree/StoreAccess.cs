namespace ParaIo.Store.Tree;

/// <summary>What a domain may do to a node (Xen's <c>XS_PERM_*</c>; wire letters n, r, w, b).</summary>
[Flags]
public enum StoreAccess
{
    /// <summary><c>n</c>: nothing.</summary>
    None = 0,

    /// <summary><c>r</c>: read the value, list the children, read the permissions, watch.</summary>
    Read = 1,

    /// <summary><c>w</c>: write the value, create children, remove the node.</summary>
    Write = 2,

    /// <summary><c>b</c>: both read and write.</summary>
    Both = Read | Write,
}
