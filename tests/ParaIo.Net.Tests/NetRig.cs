using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Net;
using ParaIo.Frontend.Devices;
using ParaIo.Frontend.Net;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Net.Tests;

/// <summary>
/// The network path in one process, as BlockRig does for block: guests (each its own pool, the
/// backend's attached duplicate and grant mapper), NetFront devices, and the NetBack devices
/// serving them on bridges of one table — connected through the drivers' public entry points
/// (the frontend's published keys are what the backend connects with).
/// </summary>
internal sealed class NetRig : IAsyncDisposable
{
    private readonly Dictionary<ushort, Guest> _guests = [];
    private readonly List<NetBackendDevice> _backends = [];
    private readonly List<IDisposable> _frontends = [];

    public NetRig(NetBackendOptions? backend = null, IVnicDirectory? vnics = null)
    {
        Bridges = new BridgeTable(Clock);
        Driver = new NetBackendDriver(Bridges, backend, vnics);
    }

    public TestClock Clock { get; } = new();

    public BridgeTable Bridges { get; }

    public NetBackendDriver Driver { get; }

    public Guest GuestOf(ushort domain, int pages = 2048)
    {
        if (!_guests.TryGetValue(domain, out var guest))
        {
            guest = new Guest(domain, pages);
            _guests[domain] = guest;
        }

        return guest;
    }

    /// <summary>A vif of guest <paramref name="domain"/>: NetFront with an inbox, and its NetBack.</summary>
    public Vif Connect(ushort domain, int devid = 0, IReadOnlyDictionary<string, string>? settings = null, NetFrontendOptions? options = null, Action<NetReceivedFrame>? receiver = null)
    {
        var guest = GuestOf(domain);
        settings ??= DeviceSettings.None;
        var address = new DeviceAddress(domain, NetifProtocol.DeviceType, devid);
        var inbox = new ConcurrentQueue<Received>();
        receiver ??= frame => inbox.Enqueue(new Received(frame.ToArray(), frame.Gso, frame.GsoSize, frame.ChecksumBlank, frame.DataValidated, frame.Queue));
        var driver = new NetFrontendDriver(new NetFrontendOptions
        {
            Queues = options?.Queues ?? 1,
            TxPages = options?.TxPages ?? 256,
            RxPages = options?.RxPages ?? 256,
            Receiver = receiver,
        });
        var front = driver.ConnectNet(new FrontendConnectContext(NetifProtocol.DeviceType, devid, guest.Memory, Driver.BackendKeys(address, settings)));
        _frontends.Add(front);
        var back = ConnectBackend(guest, address, front.PublishedKeys, settings);
        return new Vif(front, back, inbox, driver);
    }

    public NetBackendDevice ConnectBackend(Guest guest, DeviceAddress address, IReadOnlyDictionary<string, string> frontendKeys, IReadOnlyDictionary<string, string>? settings = null)
    {
        var context = new BackendConnectContext(address, guest.Mapper, new FrontendKeys(frontendKeys), NullLogger.Instance, settings ?? DeviceSettings.None);
        var device = Driver.Connect(context);
        _backends.Add(device);
        return device;
    }

    /// <summary>A hostile raw frontend of guest <paramref name="domain"/> and the NetBack serving it.</summary>
    public (RawNetFrontend Raw, NetBackendDevice Back) ConnectRaw(ushort domain, int devid = 0, bool persistent = false)
    {
        var guest = GuestOf(domain);
        var raw = new RawNetFrontend(guest.Memory, persistent);
        _frontends.Add(raw);
        var back = ConnectBackend(guest, new DeviceAddress(domain, NetifProtocol.DeviceType, devid), raw.Keys);
        return (raw, back);
    }

    public CapturePort AddCapture(string name, string bridge = VifSettings.DefaultBridge, VlanConfig? vlan = null)
    {
        var port = new CapturePort(name, vlan);
        Bridges.GetOrCreate(bridge).AddPort(port);
        return port;
    }

    public async Task DisconnectAsync(NetBackendDevice back)
    {
        _backends.Remove(back);
        await back.DisposeAsync().AsTask().Within();
    }

    public async ValueTask DisposeAsync()
    {
        // Backends first: they unmap, so the guests can end their grants.
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync().AsTask().Within();
        }

        foreach (var frontend in _frontends)
        {
            frontend.Dispose();
        }

        foreach (var guest in _guests.Values)
        {
            guest.Dispose();
        }
    }

    public sealed class Guest : IDisposable
    {
        public Guest(ushort domain, int pages)
        {
            Memory = GuestMemory.Create(pages, domain, grantEntries: 4096);
            BackendPool = GrantPool.Attach(Native.Dup(Memory.Pool.FileDescriptor));
            Mapper = new GrantMapper(BackendPool, localDomain: 0, guestDomain: domain);
        }

        public GuestMemory Memory { get; }

        public GrantPool BackendPool { get; }

        public GrantMapper Mapper { get; }

        public void Dispose()
        {
            Mapper.UnmapAll();
            BackendPool.Dispose();
            Memory.Dispose();
        }
    }
}

/// <summary>A frame as a guest received it.</summary>
internal sealed record Received(byte[] Bytes, NetifGsoType Gso, ushort GsoSize, bool ChecksumBlank, bool DataValidated, int Queue);

/// <summary>One connected vif: the guest's device, the backend's, and what the guest received.</summary>
internal sealed record Vif(NetFrontDevice Front, NetBackendDevice Back, ConcurrentQueue<Received> Inbox, NetFrontendDriver Driver)
{
    public MacAddress Mac => Back.Settings.Mac;

    /// <summary>The next received frame, or a timeout failure.</summary>
    public Received Next()
    {
        Received? item = null;
        if (!Waits.Until(() => Inbox.TryDequeue(out item)))
        {
            throw new TimeoutException($"{Back.Port.Name} received nothing.");
        }

        return item!;
    }

    /// <summary>True when nothing arrives within <paramref name="milliseconds"/>.</summary>
    public bool Silent(int milliseconds = 100)
    {
        Thread.Sleep(milliseconds);
        return Inbox.IsEmpty;
    }
}
