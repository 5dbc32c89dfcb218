using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Frontend.Block;
using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Block.Tests;

/// <summary>
/// Both ends of the block path in one process, as SmokeTests does for the transport: the guest's
/// pool, the backend's attached duplicate of its memfd and grant mapper, LUNs in image files on
/// tmpfs, and BlkFront/BlkBack devices connected through their drivers' public entry points
/// (the frontend's published keys are what the backend connects with).
/// </summary>
internal sealed class BlockRig : IAsyncDisposable
{
    public const ushort GuestDomain = 1;

    private readonly List<BlockBackendDevice> _backends = [];
    private readonly List<IDisposable> _frontends = [];
    private readonly List<FileLun> _luns = [];
    private readonly List<GatedLun> _gates = [];
    private readonly string _directory;

    public BlockRig(int poolPages = 4096, int grantEntries = 32768)
    {
        Guest = GuestMemory.Create(poolPages, GuestDomain, grantEntries);
        BackendPool = GrantPool.Attach(Native.Dup(Guest.Pool.FileDescriptor));
        Mapper = new GrantMapper(BackendPool, localDomain: 0, guestDomain: GuestDomain);
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _directory = Directory.CreateDirectory(Path.Combine(root, "paraio-blk-" + Guid.NewGuid().ToString("N"))).FullName;
    }

    public GuestMemory Guest { get; }

    public GrantPool BackendPool { get; }

    public GrantMapper Mapper { get; }

    public FileLun CreateLun(long bytes, FileLunOptions? options = null, string name = "disk.img")
    {
        var lun = FileLun.Create(Path.Combine(_directory, name), bytes, options);
        _luns.Add(lun);
        return lun;
    }

    /// <summary>A held-and-logged LUN over a new image; the rig releases whatever it still holds before tearing down.</summary>
    public GatedLun CreateGatedLun(long bytes, FileLunOptions? options = null, string name = "disk.img")
    {
        var lun = new GatedLun(CreateLun(bytes, options, name));
        _gates.Add(lun);
        return lun;
    }

    public FileLun OpenLun(string name, FileLunOptions options)
    {
        var lun = FileLun.Open(Path.Combine(_directory, name), options);
        _luns.Add(lun);
        return lun;
    }

    public string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>The logger the backend devices connected from now on log to.</summary>
    public ILogger BackendLogger { get; set; } = NullLogger.Instance;

    /// <summary>A BlkFront device and the BlkBack device serving it from <paramref name="lun"/>.</summary>
    public async Task<(BlockFrontDevice Front, BlockBackendDevice Back)> ConnectAsync(ILun lun, BlockBackendOptions? backend = null, BlockFrontendOptions? frontend = null, int devid = 0)
    {
        var driver = new BlockBackendDriver(_ => lun, backend);
        var front = new BlockFrontendDriver(frontend).ConnectBlock(new FrontendConnectContext(BlkifProtocol.DeviceType, devid, Guest, driver.DeviceKeys(lun)));
        _frontends.Add(front);
        var back = await ConnectBackendAsync(driver, front.PublishedKeys, devid);
        return (front, back);
    }

    /// <summary>A BlkFront device alone, set up against <paramref name="driver"/>'s keys for <paramref name="lun"/>; no backend serves it yet.</summary>
    public BlockFrontDevice ConnectFrontend(BlockBackendDriver driver, ILun lun, BlockFrontendOptions? frontend = null, int devid = 0)
    {
        var front = new BlockFrontendDriver(frontend).ConnectBlock(new FrontendConnectContext(BlkifProtocol.DeviceType, devid, Guest, driver.DeviceKeys(lun)));
        _frontends.Add(front);
        return front;
    }

    /// <summary>A raw (possibly hostile) frontend and the BlkBack device serving it.</summary>
    public async Task<(RawFrontend Raw, BlockBackendDevice Back)> ConnectRawAsync(ILun lun, BlockBackendOptions? backend = null, int devid = 0, bool persistent = false)
    {
        var raw = new RawFrontend(Guest, persistent);
        _frontends.Add(raw);
        var back = await ConnectBackendAsync(new BlockBackendDriver(_ => lun, backend), raw.Keys, devid);
        return (raw, back);
    }

    public async Task<BlockBackendDevice> ConnectBackendAsync(BlockBackendDriver driver, IReadOnlyDictionary<string, string> frontendKeys, int devid = 0)
    {
        var context = new BackendConnectContext(new DeviceAddress(GuestDomain, BlkifProtocol.DeviceType, devid), Mapper, new FrontendKeys(frontendKeys), BackendLogger);
        var device = (BlockBackendDevice)await driver.ConnectAsync(context, CancellationToken.None);
        _backends.Add(device);
        return device;
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed half-way may leave transfers held; a backend waits for them before it stops.
        foreach (var gate in _gates)
        {
            gate.ReleaseAll();
        }

        // Backends first: they unmap, so the guest can then end its grants.
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync().AsTask().WaitAsync(Waits.Limit);
        }

        foreach (var frontend in _frontends)
        {
            frontend.Dispose();
        }

        foreach (var lun in _luns)
        {
            lun.Dispose();
        }

        Mapper.UnmapAll();
        BackendPool.Dispose();
        Guest.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
