namespace ParaIo.RingBuffer.Grants;

/// <summary>Why a grant operation was refused.</summary>
public enum GrantError
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The reference is outside the grant table (or is the reserved grant 0).</summary>
    OutOfRange,

    /// <summary>The entry does not permit access: revoked, never granted, or of another type (transfer, transitive).</summary>
    NotPermitted,

    /// <summary>The entry grants the page to another domain.</summary>
    WrongDomain,

    /// <summary>A write mapping of a read-only grant.</summary>
    ReadOnly,

    /// <summary>The entry names a page outside the pool's data pages.</summary>
    BadPage,

    /// <summary>The entry carries flag bits ParaIo does not support (sub-page, cache attributes).</summary>
    UnsupportedFlags,

    /// <summary>The entry kept changing under the backend's compare-exchange; a guest doing this hurts only itself.</summary>
    Contended,

    /// <summary>The guest tried to end access while the backend still has the page mapped.</summary>
    StillMapped,

    /// <summary>The guest's grant table has no free entries.</summary>
    TableFull,
}
