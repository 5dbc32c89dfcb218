using Microsoft.Win32.SafeHandles;

namespace ParaIo.Store.Server;

/// <summary>
/// What a new connection presented in its HELLO: the name and token it claims, the file
/// descriptors it attached (a guest's grant pool memfd) and what the kernel says about the peer.
/// The server closes the descriptors when the authenticator returns unless it called
/// <see cref="DetachFds"/>.
/// </summary>
public sealed class HelloRequest
{
    private SafeFileHandle[] _fds;

    internal HelloRequest(long connectionId, string name, string token, SafeFileHandle[] fds, PeerCredentials peer)
    {
        ConnectionId = connectionId;
        Name = name;
        Token = token;
        _fds = fds;
        Peer = peer;
    }

    /// <summary>The server's id for the connection (as in <see cref="StoreConnectionInfo.Id"/>).</summary>
    public long ConnectionId { get; }

    /// <summary>The name the peer gave (for example <c>dom0</c>, a guest's name).</summary>
    public string Name { get; }

    /// <summary>The token the peer gave; empty when it gave none.</summary>
    public string Token { get; }

    /// <summary>The uid, gid and pid of the peer process.</summary>
    public PeerCredentials Peer { get; }

    /// <summary>The descriptors that came with the HELLO, in the order they were sent.</summary>
    public IReadOnlyList<SafeFileHandle> Fds => _fds;

    /// <summary>Takes ownership of the descriptors: the server will not close them.</summary>
    public SafeFileHandle[] DetachFds()
    {
        var fds = _fds;
        _fds = [];
        return fds;
    }

    internal void CloseFds()
    {
        foreach (var fd in DetachFds())
        {
            fd.Dispose();
        }
    }
}
