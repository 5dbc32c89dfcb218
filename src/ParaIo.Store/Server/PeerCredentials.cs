namespace ParaIo.Store.Server;

/// <summary>Who is at the other end of a connection, as the kernel vouches for it (SO_PEERCRED at connect time).</summary>
/// <param name="ProcessId">The peer's pid.</param>
/// <param name="UserId">The peer's effective uid.</param>
/// <param name="GroupId">The peer's effective gid.</param>
public readonly record struct PeerCredentials(int ProcessId, uint UserId, uint GroupId);
