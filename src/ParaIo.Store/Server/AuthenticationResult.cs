namespace ParaIo.Store.Server;

/// <summary>An authenticator's verdict on a HELLO: the domain the connection acts for, or a refusal.</summary>
public readonly record struct AuthenticationResult
{
    private AuthenticationResult(bool accepted, ushort domain, string reason)
    {
        IsAccepted = accepted;
        Domain = domain;
        Reason = reason;
    }

    /// <summary>True when the connection may proceed as <see cref="Domain"/>.</summary>
    public bool IsAccepted { get; }

    /// <summary>The domain the connection acts for when accepted.</summary>
    public ushort Domain { get; }

    /// <summary>Why it was refused (logged, never sent to the peer).</summary>
    public string Reason { get; }

    /// <summary>Admits the connection as <paramref name="domain"/>.</summary>
    public static AuthenticationResult Accept(ushort domain) => new(true, domain, string.Empty);

    /// <summary>Refuses the connection: it is answered ERROR EACCES and closed.</summary>
    public static AuthenticationResult Refuse(string reason) => new(false, 0, reason);
}
