namespace ParaIo.RingBuffer.Grants;

/// <summary>Flags of a v1 grant entry, with Xen's bit values (<c>GTF_*</c>).</summary>
[Flags]
public enum GrantFlags : ushort
{
    /// <summary>The entry grants nothing.</summary>
    None = 0,

    /// <summary>GTF_permit_access: the named domain may map the page.</summary>
    PermitAccess = 1,

    /// <summary>GTF_type_mask: the two type bits; ParaIo supports only <see cref="PermitAccess"/>.</summary>
    TypeMask = 3,

    /// <summary>GTF_readonly: the page may be mapped for reading only.</summary>
    ReadOnly = 1 << 2,

    /// <summary>GTF_reading: set by the backend while it has the page mapped at all.</summary>
    Reading = 1 << 3,

    /// <summary>GTF_writing: set by the backend while it has the page mapped writable.</summary>
    Writing = 1 << 4,

    /// <summary>Both busy bits.</summary>
    Busy = Reading | Writing,
}

/// <summary>How the backend wants to use a granted page.</summary>
public enum GrantAccess
{
    /// <summary>Read the page (a tx buffer, a write request's data).</summary>
    Read,

    /// <summary>Write the page (an rx buffer, a read request's data, a ring).</summary>
    Write,
}
