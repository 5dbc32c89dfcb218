namespace ParaIo.Store.Server;

/// <summary>Decides which domain a connection acts for, from its HELLO (name, token, fds, peer credentials).</summary>
public delegate ValueTask<AuthenticationResult> StoreAuthenticator(HelloRequest hello, CancellationToken cancellationToken);
