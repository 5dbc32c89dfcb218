namespace ParaIo.Nbd;

/// <summary>A block device request failed with an errno-like <see cref="BlockDeviceError"/>.</summary>
public sealed class BlockDeviceException : IOException
{
    /// <summary>Creates the exception with its error code and a message for the log.</summary>
    public BlockDeviceException(BlockDeviceError error, string message)
        : base(message) => Error = error;

    /// <summary>Creates the exception with its error code, a message and the failure underneath.</summary>
    public BlockDeviceException(BlockDeviceError error, string message, Exception innerException)
        : base(message, innerException) => Error = error;

    /// <summary>The errno-like code the NBD export sends back to its client.</summary>
    public BlockDeviceError Error { get; }
}
