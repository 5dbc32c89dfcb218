namespace ParaIo.Store;

/// <summary>Maps <see cref="StoreError"/> to and from the errno names the wire carries.</summary>
public static class StoreErrors
{
    /// <summary>The errno name of <paramref name="error"/> ("EACCES", "ENOENT", ...).</summary>
    public static string ToErrnoName(this StoreError error) => error switch
    {
        StoreError.InvalidArgument => "EINVAL",
        StoreError.PermissionDenied => "EACCES",
        StoreError.NotFound => "ENOENT",
        StoreError.Conflict => "EAGAIN",
        StoreError.TooBig => "E2BIG",
        StoreError.QuotaExceeded => "EQUOTA",
        StoreError.AlreadyExists => "EEXIST",
        StoreError.Busy => "EBUSY",
        StoreError.IoError => "EIO",
        StoreError.None => "OK",
        _ => "EIO",
    };

    /// <summary>The error an errno name stands for; <see cref="StoreError.Unknown"/> for any other name.</summary>
    public static StoreError FromErrnoName(string name) => name switch
    {
        "EINVAL" => StoreError.InvalidArgument,
        "EACCES" => StoreError.PermissionDenied,
        "ENOENT" => StoreError.NotFound,
        "EAGAIN" => StoreError.Conflict,
        "E2BIG" => StoreError.TooBig,
        "EQUOTA" => StoreError.QuotaExceeded,
        "EEXIST" => StoreError.AlreadyExists,
        "EBUSY" => StoreError.Busy,
        "EIO" => StoreError.IoError,
        _ => StoreError.Unknown,
    };
}
