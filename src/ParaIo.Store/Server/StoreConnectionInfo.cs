namespace ParaIo.Store.Server;

/// <summary>An authenticated connection, as the host sees it when it opens or closes.</summary>
/// <param name="Id">The server's id for the connection, unique for the server's lifetime.</param>
/// <param name="Domain">The domain it acts for.</param>
/// <param name="Name">The name it gave in HELLO.</param>
/// <param name="Peer">The peer process's credentials.</param>
public sealed record StoreConnectionInfo(long Id, ushort Domain, string Name, PeerCredentials Peer);
