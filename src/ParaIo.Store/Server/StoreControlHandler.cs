namespace ParaIo.Store.Server;

/// <summary>
/// Carries out a CONTROL request (Xen's <c>XS_CONTROL</c>) for a domain-0 connection: the host's
/// management commands, such as creating a domain. The returned text is the reply; an exception is
/// answered ERROR EIO and logged. <paramref name="cancellationToken"/> is cancelled when the
/// connection closes or the server stops.
/// </summary>
/// <param name="connection">The connection that sent the request (always domain 0).</param>
/// <param name="arguments">The request's arguments, at least one: the first names the command.</param>
/// <param name="cancellationToken">Cancelled when the answer is no longer wanted.</param>
public delegate ValueTask<string> StoreControlHandler(StoreConnectionInfo connection, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
