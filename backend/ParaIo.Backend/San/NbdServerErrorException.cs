namespace ParaIo.Backend.San;

/// <summary>The NBD server answered a request with an error (an errno such as EIO 5, EINVAL 22, ENOSPC 28).</summary>
public sealed class NbdServerErrorException : IOException
{
    /// <summary>Creates the exception for <paramref name="error"/>, the errno of the reply.</summary>
    public NbdServerErrorException(int error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Creates the exception without an error number.</summary>
    public NbdServerErrorException()
    {
    }

    /// <summary>Creates the exception without an error number.</summary>
    public NbdServerErrorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without an error number.</summary>
    public NbdServerErrorException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The errno the server answered with.</summary>
    public int Error { get; }
}
