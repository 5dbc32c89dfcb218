using ParaIo.Store.Client;
using ParaIo.Store.Server;
using ParaIo.Store.Tree;

namespace ParaIo.Ctl.Tests;

/// <summary>
/// A real store server on a temporary socket with <see cref="FakeDaemon"/> as its control handler
/// (or another one), and paraioctl run in-process against it.
/// </summary>
internal sealed class CtlFixture : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory;
    private readonly List<StoreClient> _clients = [];

    public CtlFixture(StoreAuthenticator? authenticator = null, StoreControlHandler? controlHandler = null, bool noControlHandler = false)
    {
        _directory = System.IO.Directory.CreateTempSubdirectory("paraio-ctl-test-");
        Tree = new StoreTree();
        Daemon = new FakeDaemon(Tree);
        Server = new StoreServer(new StoreServerOptions
        {
            SocketPath = Path.Combine(_directory.FullName, "paraiod.sock"),
            Tree = Tree,
            Authenticator = authenticator ?? StoreAuthenticators.LocalDom0(),
            ControlHandler = noControlHandler ? null : controlHandler ?? Daemon.HandleAsync,
        });
        Server.Start();
    }

    public StoreServer Server { get; }

    public StoreTree Tree { get; }

    public FakeDaemon Daemon { get; }

    public string SocketPath => Server.SocketPath;

    public static CancellationToken Deadline() => new CancellationTokenSource(Timeout).Token;

    /// <summary>Runs paraioctl with <paramref name="args"/> and <c>--socket</c> pointing here.</summary>
    public Task<CtlRun> RunAsync(params string[] args) => RunAgainstAsync(SocketPath, args);

    public static async Task<CtlRun> RunAgainstAsync(string socketPath, params string[] args)
    {
        var stdout = new SharedWriter();
        var stderr = new SharedWriter();
        var exitCode = await CtlApp.RunAsync([.. args, "--socket", socketPath], stdout.Writer, stderr.Writer, Deadline()).WaitAsync(Timeout);
        return new CtlRun(exitCode, stdout.Text, stderr.Text);
    }

    public async Task<StoreClient> ConnectDom0Async()
    {
        var client = await StoreClient.ConnectAsync(SocketPath, StoreAuthenticators.Dom0Name, cancellationToken: Deadline());
        _clients.Add(client);
        return client;
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
