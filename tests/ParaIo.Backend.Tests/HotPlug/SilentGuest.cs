using ParaIo.Backend.Domains;
using ParaIo.Frontend.Agent;
using ParaIo.Frontend.Devices;
using ParaIo.Frontend.Loop;
using ParaIo.RingBuffer.Handoff;
using ParaIo.Store.Client;
using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Tests.HotPlug;

/// <summary>
/// A guest that connects one <c>loop</c> device by hand and then answers nothing: it never reads
/// the backend's state again, so it ignores a removal. The backend must not depend on it.
/// </summary>
internal sealed class SilentGuest : IAsyncDisposable
{
    private readonly StoreClient _store;
    private bool _released;

    private SilentGuest(GuestMemory memory, StoreClient store, IFrontendDevice device)
    {
        Memory = memory;
        _store = store;
        Device = device;
    }

    public GuestMemory Memory { get; }

    public IFrontendDevice Device { get; }

    /// <summary>Connects as <paramref name="domain"/> and walks <c>loop</c> device <paramref name="id"/> to Connected on both sides.</summary>
    public static async Task<SilentGuest> ConnectAsync(string socketPath, DomainRecord domain, int id)
    {
        var memory = GuestMemory.Create(64, GuestAgent.DomainSelf, 64);
        var store = await StoreClient.ConnectAsync(socketPath, domain.Name, domain.Token, [memory.Pool.FileDescriptor]);
        var front = XenbusPaths.FrontendDirectory(store.Domain, "loop", id);
        var back = XenbusPaths.BackendDirectory(store.Domain, "loop", id);
        await HotPlugRig.WaitUntilAsync(async () => await BackendStateAsync(store, back) == XenbusState.InitWait, $"loop/{id} backend in InitWait");
        var device = new LoopbackFrontendDriver().Connect(new FrontendConnectContext("loop", id, memory, new Dictionary<string, string>()));
        foreach (var (key, value) in device.PublishedKeys)
        {
            await store.WriteAsync(front + "/" + key, value);
        }

        await store.WriteAsync(front + "/" + XenbusPaths.State, XenbusPaths.Format(XenbusState.Initialised));
        await HotPlugRig.WaitUntilAsync(async () => await BackendStateAsync(store, back) == XenbusState.Connected, $"loop/{id} backend Connected");
        await store.WriteAsync(front + "/" + XenbusPaths.State, XenbusPaths.Format(XenbusState.Connected));
        return new SilentGuest(memory, store, device);
    }

    /// <summary>Ends the device's grants and frees its ring; throws a GrantAccessException while the backend still maps it.</summary>
    public void ReleaseDevice()
    {
        if (!_released)
        {
            Device.Dispose();
            _released = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        ReleaseDevice();
        Memory.Dispose();
    }

    private static async Task<XenbusState> BackendStateAsync(StoreClient store, string back) =>
        XenbusPaths.ParseState(await store.TryReadStringAsync(back + "/" + XenbusPaths.State));
}
