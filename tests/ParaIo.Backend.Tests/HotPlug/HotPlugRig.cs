using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Domains;
using ParaIo.Backend.Loop;
using ParaIo.Frontend.Agent;
using ParaIo.Frontend.Loop;
using ParaIo.Store.Client;
using ParaIo.Store.Server;
using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Tests.HotPlug;

/// <summary>
/// paraiod's control plane in one process: a store server on a temporary socket, a
/// <see cref="DomainManager"/> serving <c>loop</c> devices on it through its own domain-0 client,
/// and real <see cref="GuestAgent"/>s connecting to it as guests do.
/// </summary>
internal sealed class HotPlugRig : IAsyncDisposable
{
    /// <summary>The longest any test waits for a state to show up.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _directory;
    private readonly StoreServer _server;
    private readonly StoreClient _dom0;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _agents = [];

    private HotPlugRig(DirectoryInfo directory, StoreServer server, StoreClient dom0, DomainManager manager)
    {
        _directory = directory;
        _server = server;
        _dom0 = dom0;
        Manager = manager;
    }

    public DomainManager Manager { get; }

    /// <summary>The registry's state file, to read back what was persisted.</summary>
    public string StateFile => Path.Combine(_directory.FullName, "domains.json");

    public string SocketPath => _server.SocketPath;

    /// <summary>Domain 0's view of the store, for checking nodes.</summary>
    public StoreClient Store => _dom0;

    public static async Task<HotPlugRig> StartAsync(TimeSpan removalTimeout)
    {
        var directory = Directory.CreateTempSubdirectory("paraio-hotplug-");
        var manager = new DomainManager(new DomainRegistry(Path.Combine(directory.FullName, "domains.json")), [new LoopbackBackendDriver()], NullLoggerFactory.Instance)
        {
            RemovalTimeout = removalTimeout,
        };
        var server = new StoreServer(new StoreServerOptions
        {
            SocketPath = Path.Combine(directory.FullName, "paraiod.sock"),
            Authenticator = StoreAuthenticators.LocalDom0(manager.AuthenticateGuestAsync),
            ConnectionClosed = manager.OnConnectionClosed,
        });
        server.Start();
        var dom0 = await StoreClient.ConnectAsync(server.SocketPath, StoreAuthenticators.Dom0Name);
        await manager.StartAsync(dom0, CancellationToken.None);
        return new HotPlugRig(directory, server, dom0, manager);
    }

    /// <summary>Closes a store connection, as paraiod does for a destroyed domain's guest.</summary>
    public bool Disconnect(long connectionId) => _server.Disconnect(connectionId);

    /// <summary>Starts a guest agent with the <c>loop</c> frontend for a domain; it runs until the rig is disposed.</summary>
    public GuestRun StartGuest(DomainRecord domain)
    {
        var agent = new GuestAgent(
            new GuestAgentOptions { Name = domain.Name, Token = domain.Token, SocketPath = SocketPath, PoolPages = 256, GrantEntries = 256 },
            [new LoopbackFrontendDriver()],
            NullLogger.Instance);
        var run = new GuestRun(agent);
        _agents.Add(Task.Run(() => agent.RunAsync(_stop.Token)));
        return run;
    }

    /// <summary>The frontend and backend states of a device, as the store holds them (null: no such node).</summary>
    public async Task<(XenbusState? Frontend, XenbusState? Backend)> StatesAsync(int domid, string type, int id)
    {
        var front = await _dom0.TryReadStringAsync(XenbusPaths.FrontendDirectory(domid, type, id) + "/" + XenbusPaths.State);
        var back = await _dom0.TryReadStringAsync(XenbusPaths.BackendDirectory(domid, type, id) + "/" + XenbusPaths.State);
        return (front is null ? null : XenbusPaths.ParseState(front), back is null ? null : XenbusPaths.ParseState(back));
    }

    /// <summary>Polls until both ends of a device show Connected.</summary>
    public Task WaitConnectedAsync(int domid, string type, int id) =>
        WaitUntilAsync(async () => await StatesAsync(domid, type, id) == (XenbusState.Connected, XenbusState.Connected), $"{type}/{id} of dom{domid} connected on both sides");

    /// <summary>Polls <paramref name="condition"/> every 10 ms up to <see cref="Patience"/>; fails the test naming <paramref name="what"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException($"Not within {Patience.TotalSeconds} s: {what}.");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_agents).WaitAsync(Patience);
        await Manager.ShutdownAsync(CancellationToken.None);
        await _dom0.DisposeAsync();
        await Manager.DisposeAsync();
        await _server.DisposeAsync();
        _stop.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>A running agent and what it reported.</summary>
    internal sealed class GuestRun
    {
        public GuestRun(GuestAgent agent)
        {
            Agent = agent;
            agent.DeviceAdded += d => Added.Enqueue(d);
            agent.DeviceRemoved += d => Removed.Enqueue(d);
            agent.DeviceStateChanged += c => States.Enqueue(c);
        }

        public GuestAgent Agent { get; }

        public ConcurrentQueue<GuestDevice> Added { get; } = new();

        public ConcurrentQueue<GuestDevice> Removed { get; } = new();

        public ConcurrentQueue<DeviceStateChange> States { get; } = new();
    }
}
