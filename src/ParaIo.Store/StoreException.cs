namespace ParaIo.Store;

/// <summary>The store refused an operation; <see cref="ErrnoName"/> is what the wire carried.</summary>
public sealed class StoreException : Exception
{
    /// <summary>Creates an exception for <paramref name="error"/> on <paramref name="path"/>.</summary>
    public StoreException(StoreError error, string? path = null)
        : this(error, error.ToErrnoName(), path)
    {
    }

    /// <summary>Creates an exception for an errno name as the server sent it.</summary>
    public StoreException(StoreError error, string errnoName, string? path)
        : base(path is null ? $"The store answered {errnoName}." : $"The store answered {errnoName} for {path}.")
    {
        Error = error;
        ErrnoName = errnoName;
        Path = path;
    }

    /// <summary>Why the operation was refused.</summary>
    public StoreError Error { get; }

    /// <summary>The errno name ("EACCES", "ENOENT", "EAGAIN", ...).</summary>
    public string ErrnoName { get; }

    /// <summary>The path the operation named, when it named one.</summary>
    public string? Path { get; }
}
