using ParaIo.Store.Linux;

namespace ParaIo.Store.Server;

/// <summary>Ready-made authentication rules.</summary>
public static class StoreAuthenticators
{
    /// <summary>The name a local tool gives to act as domain 0.</summary>
    public const string Dom0Name = "dom0";

    /// <summary>
    /// True for a local tool that may act as domain 0: the peer runs as root or as the daemon's own
    /// uid, calls itself <c>dom0</c>, and gives no token and no descriptors.
    /// </summary>
    public static bool IsLocalDom0(HelloRequest hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var uid = hello.Peer.UserId;
        return (uid == 0 || uid == SocketCredentials.EffectiveUserId)
            && hello.Name == Dom0Name
            && hello.Token.Length == 0
            && hello.Fds.Count == 0;
    }

    /// <summary>
    /// Admits local domain-0 tools (<see cref="IsLocalDom0"/>) and hands every other HELLO to
    /// <paramref name="guests"/>, or refuses it when there is none.
    /// </summary>
    public static StoreAuthenticator LocalDom0(StoreAuthenticator? guests = null) => (hello, cancellationToken) =>
    {
        if (IsLocalDom0(hello))
        {
            return ValueTask.FromResult(AuthenticationResult.Accept(0));
        }

        if (guests is not null)
        {
            return guests(hello, cancellationToken);
        }

        return ValueTask.FromResult(AuthenticationResult.Refuse(
            $"'{hello.Name}' (uid {hello.Peer.UserId}) is not a local dom0 tool and no guest authenticator is configured"));
    };
}
