namespace ParaIo.Backend.San;

/// <summary>
/// The connection to the NBD server is gone, or never came up: the server closed it, it broke the
/// protocol, it did not answer in time, or the client was closed. A request that fails with this
/// was not answered; it may or may not have reached the storage.
/// </summary>
public sealed class NbdConnectionException : IOException
{
    /// <summary>Creates the exception with its reason.</summary>
    public NbdConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its reason and cause.</summary>
    public NbdConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a reason.</summary>
    public NbdConnectionException()
    {
    }
}
