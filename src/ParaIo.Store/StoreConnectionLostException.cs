namespace ParaIo.Store;

/// <summary>
/// The connection to the store ended (the server closed it, stopped, or sent something the client
/// could not parse) before a request was answered. Whether that request took effect is unknown.
/// </summary>
public sealed class StoreConnectionLostException : IOException
{
    /// <summary>Creates the exception with the reason the connection ended.</summary>
    public StoreConnectionLostException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
