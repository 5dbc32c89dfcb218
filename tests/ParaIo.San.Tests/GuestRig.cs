using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Frontend.Block;
using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.San.Tests;

/// <summary>
/// Both ends of the block path in one process, the minimal part of ParaIo.Block.Tests' BlockRig:
/// the guest's pool, the backend's attached duplicate of its memfd and grant mapper, and one
/// BlkFront device served by BlkBack from any <see cref="ILun"/> — here a LUN on the SAN.
/// </summary>
internal sealed partial class GuestRig : IAsyncDisposable
{
    private const ushort GuestDomain = 1;

    private readonly List<BlockBackendDevice> _backends = [];
    private readonly List<IDisposable> _frontends = [];

    public GuestRig(int poolPages = 8192, int grantEntries = 32768)
    {
        Guest = GuestMemory.Create(poolPages, GuestDomain, grantEntries);
        BackendPool = GrantPool.Attach(Dup(Guest.Pool.FileDescriptor));
        Mapper = new GrantMapper(BackendPool, localDomain: 0, guestDomain: GuestDomain);
    }

    public GuestMemory Guest { get; }

    public GrantPool BackendPool { get; }

    public GrantMapper Mapper { get; }

    /// <summary>A BlkFront device and the BlkBack device serving it from <paramref name="lun"/>.</summary>
    public async Task<(BlockFrontDevice Front, BlockBackendDevice Back)> ConnectAsync(ILun lun, int devid = 0)
    {
        var driver = new BlockBackendDriver(_ => lun);
        var front = new BlockFrontendDriver().ConnectBlock(new FrontendConnectContext(BlkifProtocol.DeviceType, devid, Guest, driver.DeviceKeys(lun)));
        _frontends.Add(front);
        var context = new BackendConnectContext(new DeviceAddress(GuestDomain, BlkifProtocol.DeviceType, devid), Mapper, new FrontendKeys(front.PublishedKeys), NullLogger.Instance);
        var back = (BlockBackendDevice)await driver.ConnectAsync(context, CancellationToken.None);
        _backends.Add(back);
        return (front, back);
    }

    public async ValueTask DisposeAsync()
    {
        // Backends first: they unmap, so the guest can then end its grants.
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync().AsTask().WaitAsync(Waits.Limit);
        }

        foreach (var frontend in _frontends)
        {
            frontend.Dispose();
        }

        Mapper.UnmapAll();
        BackendPool.Dispose();
        Guest.Dispose();
    }

    /// <summary>A second descriptor of the pool's memfd, as the backend would receive it over the socket.</summary>
    private static SafeFileHandle Dup(SafeFileHandle fd)
    {
        var copy = DupCore((int)fd.DangerousGetHandle());
        return copy >= 0 ? new SafeFileHandle(copy, ownsHandle: true) : throw new IOException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int DupCore(int fd);
}
