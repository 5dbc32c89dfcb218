using System.Collections.Concurrent;
using System.Net.Sockets;
using ParaIo.Store.Client;
using ParaIo.Store.Server;
using ParaIo.Store.Tree;
using ParaIo.Store.Watches;

namespace ParaIo.Store.Tests;

/// <summary>
/// A store server on a temporary socket. Guests authenticate as <c>guestN</c> with token
/// <c>token-N</c> and become domain N; local tools become domain 0. Everything it logs is kept.
/// </summary>
internal sealed class StoreFixture : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory;
    private readonly List<StoreClient> _clients = [];

    public StoreFixture(
        StoreLimits? limits = null,
        TimeSpan? helloTimeout = null,
        Action<HelloRequest>? onHello = null,
        StoreControlHandler? controlHandler = null,
        int maxControlRequests = 16)
    {
        _directory = Directory.CreateTempSubdirectory("paraio-store-test-");
        Server = new StoreServer(
            new StoreServerOptions
            {
                SocketPath = Path.Combine(_directory.FullName, "store.sock"),
                Tree = new StoreTree(limits),
                HelloTimeout = helloTimeout ?? TimeSpan.FromSeconds(5),
                Authenticator = StoreAuthenticators.LocalDom0((hello, _) =>
                {
                    onHello?.Invoke(hello);
                    if (hello.Name.StartsWith("guest", StringComparison.Ordinal)
                        && ushort.TryParse(hello.Name.AsSpan(5), out var domain)
                        && hello.Token == $"token-{domain}")
                    {
                        return ValueTask.FromResult(AuthenticationResult.Accept(domain));
                    }

                    return ValueTask.FromResult(AuthenticationResult.Refuse($"bad token for {hello.Name}"));
                }),
                ConnectionClosed = info => Closed.Enqueue(info),
                ControlHandler = controlHandler,
                MaxControlRequestsPerConnection = maxControlRequests,
            },
            Log);
        Server.Start();
    }

    public StoreServer Server { get; }

    public StoreTree Tree => Server.Tree;

    public string SocketPath => Server.SocketPath;

    public TestLogger Log { get; } = new();

    public ConcurrentQueue<StoreConnectionInfo> Closed { get; } = new();

    public static CancellationToken Deadline() => new CancellationTokenSource(Timeout).Token;

    /// <summary>What a toolstack does for a new guest: its subtree, owned by it and closed to others.</summary>
    public void IntroduceDomain(ushort domain)
    {
        var path = StorePath.ForDomain(domain);
        Tree.Mkdir(0, path);
        Tree.SetPermissions(0, path, NodePermissions.Create(domain, StoreAccess.None));
    }

    public async Task<StoreClient> ConnectDom0Async()
    {
        var client = await StoreClient.ConnectAsync(SocketPath, StoreAuthenticators.Dom0Name, cancellationToken: Deadline());
        _clients.Add(client);
        return client;
    }

    public async Task<StoreClient> ConnectGuestAsync(ushort domain, string? token = null)
    {
        var client = await StoreClient.ConnectAsync(SocketPath, $"guest{domain}", token ?? $"token-{domain}", cancellationToken: Deadline());
        _clients.Add(client);
        return client;
    }

    /// <summary>A raw socket that has been greeted as domain 0, for sending hand-made frames.</summary>
    public async Task<Socket> ConnectRawAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), Deadline());
        await socket.SendAsync(RawFrames.Frame(128, 0, 0, RawFrames.Strings("dom0", string.Empty)));
        var reply = await RawFrames.ReceiveFrameAsync(socket);
        Assert.AreEqual(128u, reply!.Value.Type);
        return socket;
    }

    /// <summary>Waits for the next watch event, failing the test after the timeout.</summary>
    public static async Task<WatchEvent> NextEventAsync(StoreClient client)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await client.WatchEvents.ReadAsync(timeout.Token);
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Server.StopAsync(Deadline());
        _directory.Delete(recursive: true);
    }
}
