namespace ParaIo.RingBuffer.Grants;

/// <summary>A grant operation was refused; <see cref="Error"/> says which rule was broken.</summary>
public sealed class GrantAccessException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrantAccessException(GrantError error, GrantRef grant, string message)
        : base(message)
    {
        Error = error;
        Grant = grant;
    }

    /// <summary>The rule that was broken.</summary>
    public GrantError Error { get; }

    /// <summary>The grant reference concerned.</summary>
    public GrantRef Grant { get; }
}
