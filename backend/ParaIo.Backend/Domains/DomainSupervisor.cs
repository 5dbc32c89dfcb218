using Microsoft.Extensions.Logging;
using ParaIo.Backend.Devices;
using ParaIo.RingBuffer.Grants;
using ParaIo.Store;
using ParaIo.Store.Client;
using ParaIo.Store.Tree;
using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Domains;

/// <summary>
/// The backend half of the handshake for every device of one domain, and the domain's guest
/// session (its pool and grant mapper). All of it runs under one gate, one step at a time, so a
/// watch event, a guest leaving and an operator's destroy never interleave.
/// </summary>
/// <remarks>
/// Per device: published → backend InitWait; frontend Initialised (and a guest attached) →
/// map and start → Connected; frontend Closing/Closed, the guest leaving, or the device stopping
/// on a protocol fault → stop and unmap → Closing → Closed; backend Closed and frontend
/// Initialising again (a new session) → InitWait. Devices come and go while the guest runs
/// (<see cref="AddDevicesAsync"/>, <see cref="RemoveDevicesAsync"/>); the domain manager
/// serializes those changes with <see cref="Changes"/>.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim needs disposing only once its AvailableWaitHandle was used.")]
internal sealed class DomainSupervisor
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly StoreClient _store;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Type, int Id), DeviceSlot> _devices = [];
    private readonly List<DeviceSlot> _removing = [];
    private readonly IReadOnlyDictionary<string, IBackendDriver> _drivers;
    private readonly Action<DomainSupervisor> _requestEvaluation;
    private GrantPool? _pool;
    private GrantMapper? _mapper;
    private long _connectionId = -1;
    private long _closedConnectionId = -1;

    public DomainSupervisor(DomainRecord record, StoreClient store, IReadOnlyDictionary<string, IBackendDriver> drivers, ILogger logger, Action<DomainSupervisor> requestEvaluation)
    {
        Record = record;
        _store = store;
        _logger = logger;
        _drivers = drivers;
        _requestEvaluation = requestEvaluation;
        foreach (var device in record.Devices)
        {
            _devices[(device.Type, device.Id)] = NewSlot(device);
        }
    }

    /// <summary>The domain as the registry holds it now (its device list changes with hot-plug).</summary>
    public DomainRecord Record { get; set; }

    /// <summary>
    /// Held by whoever changes the domain's device list or destroys it, so changes to one domain
    /// run one after the other and a destroy waits for the change in progress.
    /// </summary>
    public SemaphoreSlim Changes { get; } = new(1, 1);

    /// <summary>Set (under <see cref="Changes"/>) once the domain is being destroyed: it takes no more changes.</summary>
    public bool IsRetired { get; set; }

    public DomainStatus Status { get; private set; } = DomainStatus.Created;

    public long ConnectionId => Volatile.Read(ref _connectionId);

    /// <summary>Mapped grants of the attached guest, for tests and counters.</summary>
    public int MappedGrants => _mapper?.MappedCount ?? 0;

    public IEnumerable<DeviceAddress> Devices => _devices.Values.Select(d => d.Address);

    public int ConnectedDevices => _devices.Values.Count(d => d.BackendState == XenbusState.Connected);

    /// <summary>Writes the domain's subtree and every device's two directories; backends enter InitWait.</summary>
    public async Task PublishAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var domid = (ushort)Record.DomainId;
            var root = XenbusPaths.Domain(domid);
            await _store.WriteAsync(root + "/name", Record.Name, cancellation).ConfigureAwait(false);
            // The guest owns its subtree; nobody else may look (dom0 may always).
            await _store.SetPermissionsAsync(root, NodePermissions.Create(domid, StoreAccess.None), cancellation).ConfigureAwait(false);
            await _store.SetPermissionsAsync(root + "/name", NodePermissions.Create(domid, StoreAccess.None), cancellation).ConfigureAwait(false);
            foreach (var slot in _devices.Values)
            {
                await PublishDeviceAsync(slot, domid, cancellation).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PublishDeviceAsync(DeviceSlot slot, ushort domid, CancellationToken cancellation)
    {
        var front = slot.Address.FrontendPath;
        var back = slot.Address.BackendPath;
        await _store.WriteAsync(front + "/" + XenbusPaths.Backend, back, cancellation).ConfigureAwait(false);
        await _store.WriteAsync(front + "/" + XenbusPaths.BackendId, "0", cancellation).ConfigureAwait(false);
        await _store.WriteAsync(front + "/" + XenbusPaths.State, XenbusPaths.Format(XenbusState.Initialising), cancellation).ConfigureAwait(false);

        // The backend directory is dom0's; its guest may read it (features, state), nobody else.
        var backendPermissions = NodePermissions.Create(0, StoreAccess.None, new PermissionEntry(domid, StoreAccess.Read));
        await _store.MkdirAsync(back, cancellation).ConfigureAwait(false);
        await _store.SetPermissionsAsync(back, backendPermissions, cancellation).ConfigureAwait(false);
        await _store.WriteAsync(back + "/" + XenbusPaths.Frontend, front, cancellation).ConfigureAwait(false);
        await _store.WriteAsync(back + "/" + XenbusPaths.FrontendId, domid.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellation).ConfigureAwait(false);
        await OfferAsync(slot, cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the device's backend keys and moves it to InitWait; or, when its driver cannot serve
    /// it now (a disk, SAN or LUN masking missing), leaves it Closed with the reason — the frontend
    /// waits — until <see cref="RetryRefusedAsync"/>. Returns whether it was offered.
    /// </summary>
    private async Task<bool> OfferAsync(DeviceSlot slot, CancellationToken cancellation)
    {
        IReadOnlyDictionary<string, string> keys;
        try
        {
            keys = slot.Driver.BackendKeys(slot.Address, slot.Settings);
            slot.Refusal = null;
        }
        catch (DeviceRejectedException e)
        {
            slot.Refusal = e.Message;
            _logger.LogWarning("Device {Device} cannot be served: {Reason}", slot.Address, e.Message);
            await SetBackendStateAsync(slot, XenbusState.Closed, cancellation).ConfigureAwait(false);
            return false;
        }

        var back = slot.Address.BackendPath;
        foreach (var (key, value) in keys)
        {
            await _store.WriteAsync(back + "/" + key, value, cancellation).ConfigureAwait(false);
        }

        await _store.WriteAsync(back + "/" + XenbusPaths.Online, "1", cancellation).ConfigureAwait(false);
        await SetBackendStateAsync(slot, XenbusState.InitWait, cancellation).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Offers again every device that was refused when it was published, now that what it lacked
    /// may be there (a SAN answering again, a LUN masked to its vHBA); returns how many were offered.
    /// A device still unservable stays Closed with its new reason.
    /// </summary>
    public async Task<int> RetryRefusedAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var offered = 0;
            foreach (var slot in _devices.Values.Where(s => s.Refusal is not null).ToList())
            {
                if (await OfferAsync(slot, cancellation).ConfigureAwait(false))
                {
                    _logger.LogInformation("Device {Device} is served now", slot.Address);
                    offered++;
                }
            }

            return offered;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Hot-plug: gives the domain new devices. Each gets its two store directories, permissions as
    /// at creation, and its backend enters InitWait; a running guest's agent sees the frontend
    /// directory appear and walks the handshake from there.
    /// </summary>
    public async Task AddDevicesAsync(IReadOnlyList<DeviceSpec> devices, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            foreach (var device in devices)
            {
                var slot = NewSlot(device);
                _devices.Add((device.Type, device.Id), slot);
                await PublishDeviceAsync(slot, (ushort)Record.DomainId, cancellation).ConfigureAwait(false);
                _logger.LogInformation("Device {Device} added", slot.Address);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Hot-unplug: stops and unmaps each device, tells the frontend it is going (<c>online</c> 0,
    /// backend Closing), gives the frontend up to <paramref name="timeout"/> to answer Closed, then
    /// writes Closed and removes both directories, whether the guest answered or not. The gate is
    /// not held while waiting, so the domain's other devices carry on meanwhile.
    /// </summary>
    public async Task RemoveDevicesAsync(IReadOnlyList<DeviceSpec> devices, TimeSpan timeout, CancellationToken cancellation)
    {
        var slots = new List<DeviceSlot>(devices.Count);
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            foreach (var device in devices)
            {
                if (_devices.Remove((device.Type, device.Id), out var slot))
                {
                    slots.Add(slot);
                    _removing.Add(slot);
                    await BeginRemovalAsync(slot, cancellation).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await Task.WhenAll(slots.Select(s => s.FrontendClosed.Task)).WaitAsync(timeout, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            foreach (var slot in slots.Where(s => !s.FrontendClosed.Task.IsCompleted))
            {
                _logger.LogWarning("Device {Device}: the frontend did not close within {Timeout} s; removed without it", slot.Address, timeout.TotalSeconds);
            }
        }

        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            foreach (var slot in slots)
            {
                await FinishRemovalAsync(slot, cancellation).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task BeginRemovalAsync(DeviceSlot slot, CancellationToken cancellation)
    {
        // Unmapped before Closing, as every ParaIo close: the frontend may end its grants at once.
        if (slot.Running is { } running)
        {
            slot.Running = null;
            await running.DisposeAsync().ConfigureAwait(false);
        }

        await _store.WriteAsync(slot.Address.BackendPath + "/" + XenbusPaths.Online, "0", cancellation).ConfigureAwait(false);
        await SetBackendStateAsync(slot, XenbusState.Closing, cancellation).ConfigureAwait(false);
        _logger.LogInformation("Device {Device} removing: unmapped, waiting for the frontend to close", slot.Address);
        if (_pool is null || await FrontendClosedAsync(slot, cancellation).ConfigureAwait(false))
        {
            // No guest to answer, or it has closed already.
            slot.FrontendClosed.TrySetResult();
        }
    }

    private async Task FinishRemovalAsync(DeviceSlot slot, CancellationToken cancellation)
    {
        _removing.Remove(slot);
        slot.FrontendClosed.TrySetResult();
        await SetBackendStateAsync(slot, XenbusState.Closed, cancellation).ConfigureAwait(false);
        // The frontend directory first: a guest that ignored the request sees its device vanish.
        await RemoveIfPresentAsync(slot.Address.FrontendPath, cancellation).ConfigureAwait(false);
        await RemoveIfPresentAsync(slot.Address.BackendPath, cancellation).ConfigureAwait(false);
        _logger.LogInformation("Device {Device} removed", slot.Address);
    }

    private async Task RemoveIfPresentAsync(string path, CancellationToken cancellation)
    {
        try
        {
            await _store.RemoveAsync(path, cancellation).ConfigureAwait(false);
        }
        catch (StoreException e) when (e.Error == StoreError.NotFound)
        {
            // The guest may remove nodes of its own subtree; what is gone needs no removing.
        }
    }

    private async Task<bool> FrontendClosedAsync(DeviceSlot slot, CancellationToken cancellation) =>
        XenbusPaths.ParseState(await _store.TryReadStringAsync(slot.Address.FrontendPath + "/" + XenbusPaths.State, cancellation).ConfigureAwait(false))
            is XenbusState.Closed or XenbusState.Unknown;

    /// <summary>
    /// Attaches a guest that authenticated with its pool, unless another live connection holds the
    /// domain. The check and the attach happen under the gate, so two guests racing for one domain
    /// cannot both get in. A connection the store has reported closed no longer holds the domain,
    /// even if its teardown is still queued: the new session tears it down first. The devices are
    /// evaluated afterwards, outside the store's HELLO deadline.
    /// </summary>
    public async Task<bool> TryAttachGuestAsync(long connectionId, GrantPool pool)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_connectionId >= 0 && _connectionId != Volatile.Read(ref _closedConnectionId))
            {
                return false;
            }

            await DetachCoreAsync("a new session replaced the old one", CancellationToken.None).ConfigureAwait(false);
            _pool = pool;
            _mapper = new GrantMapper(pool, localDomain: 0, guestDomain: (ushort)Record.DomainId);
            Volatile.Write(ref _connectionId, connectionId);
            Status = DomainStatus.Connected;
            _logger.LogInformation("Domain {Name} (dom{Domain}) connected: pool of {Pages} pages", Record.Name, Record.DomainId, pool.Geometry.PageCount);
            _requestEvaluation(this);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records at once (before the queued teardown runs) that a connection is gone.</summary>
    public void MarkClosed(long connectionId) => Volatile.Write(ref _closedConnectionId, connectionId);

    /// <summary>The guest's connection closed: close its devices, unmap every grant, drop the pool.</summary>
    public async Task DetachGuestAsync(long connectionId, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (connectionId == _connectionId)
            {
                await DetachCoreAsync("its guest disconnected", cancellation).ConfigureAwait(false);
                Status = DomainStatus.Disconnected;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DetachCoreAsync(string reason, CancellationToken cancellation)
    {
        if (_pool is null)
        {
            return;
        }

        foreach (var slot in _devices.Values)
        {
            await CloseAsync(slot, reason, cancellation).ConfigureAwait(false);
            // The guest is gone: dom0 closes its frontend end on its behalf, as Xen's toolstack does.
            await _store.WriteAsync(slot.Address.FrontendPath + "/" + XenbusPaths.State, XenbusPaths.Format(XenbusState.Closed), cancellation).ConfigureAwait(false);
        }

        // A device being removed has nobody left to wait for.
        foreach (var slot in _removing)
        {
            slot.FrontendClosed.TrySetResult();
        }

        _mapper!.UnmapAll();
        _pool.Dispose();
        _pool = null;
        _mapper = null;
        Volatile.Write(ref _connectionId, -1);
        _logger.LogInformation("Domain {Name} (dom{Domain}) detached: {Reason}; devices closed, grants unmapped", Record.Name, Record.DomainId, reason);
    }

    /// <summary>Looks at every device again (a watch fired, or a device stopped).</summary>
    public async Task EvaluateAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await EvaluateCoreAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task EvaluateCoreAsync(CancellationToken cancellation)
    {
        foreach (var slot in _removing.Where(s => !s.FrontendClosed.Task.IsCompleted))
        {
            if (await FrontendClosedAsync(slot, cancellation).ConfigureAwait(false))
            {
                slot.FrontendClosed.TrySetResult();
            }
        }

        foreach (var slot in _devices.Values)
        {
            var frontend = XenbusPaths.ParseState(await _store.TryReadStringAsync(slot.Address.FrontendPath + "/" + XenbusPaths.State, cancellation).ConfigureAwait(false));
            if (slot.Running is { } running)
            {
                if (running.Stopped.IsCompleted)
                {
                    await CloseAsync(slot, "protocol violation: " + (running.FailureReason ?? "the device stopped"), cancellation).ConfigureAwait(false);
                }
                else if (frontend is XenbusState.Closing or XenbusState.Closed or XenbusState.Unknown)
                {
                    await CloseAsync(slot, $"the frontend moved to {frontend}", cancellation).ConfigureAwait(false);
                }

                continue;
            }

            if (slot.BackendState == XenbusState.Closed && frontend == XenbusState.Initialising && slot.Refusal is null)
            {
                await SetBackendStateAsync(slot, XenbusState.InitWait, cancellation).ConfigureAwait(false);
            }

            if (slot.BackendState == XenbusState.InitWait && frontend == XenbusState.Initialised && _mapper is not null)
            {
                await ConnectAsync(slot, cancellation).ConfigureAwait(false);
            }
        }
    }

    private async Task ConnectAsync(DeviceSlot slot, CancellationToken cancellation)
    {
        try
        {
            var keys = await ReadFrontendKeysAsync(slot.Address.FrontendPath, cancellation).ConfigureAwait(false);
            var context = new BackendConnectContext(slot.Address, _mapper!, keys, _logger, slot.Settings);
            slot.Running = await slot.Driver.ConnectAsync(context, cancellation).ConfigureAwait(false);
            var supervisor = this;
            _ = slot.Running.Stopped.ContinueWith(_ => _requestEvaluation(supervisor), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await SetBackendStateAsync(slot, XenbusState.Connected, cancellation).ConfigureAwait(false);
            _logger.LogInformation("Device {Device} connected", slot.Address);
        }
        catch (Exception e) when (e is DeviceRejectedException or GrantAccessException or ArgumentException or InvalidOperationException or StoreException)
        {
            _logger.LogWarning("Device {Device} refused: {Reason}", slot.Address, e.Message);
            await CloseAsync(slot, e.Message, cancellation).ConfigureAwait(false);
        }
    }

    private async Task<FrontendKeys> ReadFrontendKeysAsync(string path, CancellationToken cancellation) =>
        new(await _store.ReadTreeValuesAsync(path, depth: 2, cancellation).ConfigureAwait(false));

    private async Task CloseAsync(DeviceSlot slot, string reason, CancellationToken cancellation)
    {
        if (slot.Running is { } running)
        {
            slot.Running = null;
            await running.DisposeAsync().ConfigureAwait(false);
            _logger.LogWarning("Device {Device} disconnected: {Reason}", slot.Address, reason);
        }

        if (slot.BackendState is not XenbusState.Closed)
        {
            await SetBackendStateAsync(slot, XenbusState.Closing, cancellation).ConfigureAwait(false);
            await SetBackendStateAsync(slot, XenbusState.Closed, cancellation).ConfigureAwait(false);
        }
    }

    private async Task SetBackendStateAsync(DeviceSlot slot, XenbusState state, CancellationToken cancellation)
    {
        slot.BackendState = state;
        await _store.WriteAsync(slot.Address.BackendPath + "/" + XenbusPaths.State, XenbusPaths.Format(state), cancellation).ConfigureAwait(false);
    }

    /// <summary>Walks every device to Closed and detaches the guest (daemon shutdown or domain destroy).</summary>
    public async Task CloseAllAsync(string reason, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            foreach (var slot in _devices.Values)
            {
                await CloseAsync(slot, reason, cancellation).ConfigureAwait(false);
            }

            await DetachCoreAsync(reason, cancellation).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes the domain's store nodes, after <see cref="CloseAllAsync"/>.</summary>
    public async Task RemoveNodesAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            foreach (var slot in _devices.Values)
            {
                await _store.RemoveAsync(slot.Address.BackendPath, cancellation).ConfigureAwait(false);
            }

            await _store.RemoveAsync(XenbusPaths.Domain(Record.DomainId), cancellation).ConfigureAwait(false);
        }
        catch (StoreException e)
        {
            _logger.LogWarning("Removing the store nodes of dom{Domain} failed: {Error}", Record.DomainId, e.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    private DeviceSlot NewSlot(DeviceSpec device) =>
        new(new DeviceAddress(Record.DomainId, device.Type, device.Id), _drivers[device.Type], device.EffectiveSettings);

    private sealed class DeviceSlot(DeviceAddress address, IBackendDriver driver, IReadOnlyDictionary<string, string> settings)
    {
        public DeviceAddress Address { get; } = address;

        public IBackendDriver Driver { get; } = driver;

        public IReadOnlyDictionary<string, string> Settings { get; } = settings;

        /// <summary>Why the driver cannot serve the device (its disk is gone); null when it can.</summary>
        public string? Refusal { get; set; }

        public IBackendDevice? Running { get; set; }

        public XenbusState BackendState { get; set; } = XenbusState.Unknown;

        /// <summary>Completed when, during a removal, the frontend has answered Closed (or cannot any more).</summary>
        public TaskCompletionSource FrontendClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
