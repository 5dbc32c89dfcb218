using ParaIo.Frontend.Devices;
using ParaIo.Store;
using ParaIo.RingBuffer.Handoff;
using ParaIo.Store.Client;
using ParaIo.Store.Xenbus;

namespace ParaIo.Frontend.Agent;

/// <summary>
/// The frontend half of one device's handshake in one session: follows the backend's state and
/// answers it. Backend InitWait → grant rings, publish them, Initialised; backend Connected →
/// Connected; backend Closing/Closed → release, Closed, then Initialising to ask for a new session.
/// A resumable device (a disk) is not released: it keeps its unanswered requests and resumes on
/// the next backend's rings, in this session or the next. A backend that goes Closing with
/// <c>online</c> 0 is removing the device (hot-unplug): the handshake marks itself
/// <see cref="Removed"/> and the agent releases the device, whatever its kind, and says Closed.
/// </summary>
internal sealed class FrontendHandshake
{
    private readonly StoreClient _store;
    private readonly IFrontendDriver _driver;
    private readonly GuestMemory _memory;
    private readonly Action<DeviceStateChange> _changed;

    public FrontendHandshake(StoreClient store, IFrontendDriver driver, GuestMemory memory, int domain, int id, IFrontendDevice? kept, Action<DeviceStateChange> changed)
    {
        Device = kept;
        _store = store;
        _driver = driver;
        _memory = memory;
        _changed = changed;
        Id = id;
        FrontendPath = XenbusPaths.FrontendDirectory(domain, driver.DeviceType, id);
        BackendPath = XenbusPaths.BackendDirectory(domain, driver.DeviceType, id);
    }

    public int Id { get; }

    public string Type => _driver.DeviceType;

    public string FrontendPath { get; }

    public string BackendPath { get; }

    public XenbusState State { get; private set; } = XenbusState.Unknown;

    public IFrontendDevice? Device { get; private set; }

    public string WatchToken => $"backend:{Type}/{Id}";

    /// <summary>True once the backend said the device is being removed; the agent then releases it and calls <see cref="CloseRemovedAsync"/>.</summary>
    public bool Removed { get; private set; }

    /// <summary>Starts the session's handshake: checks where the backend is, announces Initialising, watches the backend.</summary>
    public async Task StartAsync(CancellationToken cancellation)
    {
        // The check and the write are one transaction: a device removed meanwhile (hot-unplug)
        // must not get a state node back under a directory that is gone.
        var backend = await _store.RunTransactionAsync(
            async (transaction, ct) =>
            {
                var named = await transaction.TryReadStringAsync(FrontendPath + "/" + XenbusPaths.Backend, ct).ConfigureAwait(false);
                if (named == BackendPath)
                {
                    await transaction.WriteAsync(FrontendPath + "/" + XenbusPaths.State, XenbusPaths.Format(XenbusState.Initialising), ct).ConfigureAwait(false);
                }

                return named;
            },
            cancellationToken: cancellation).ConfigureAwait(false);
        if (backend != BackendPath)
        {
            throw new InvalidDataException($"Device {Type}/{Id} names backend '{backend}', not {BackendPath}.");
        }

        Announce(XenbusState.Initialising);
        await _store.WatchAsync(BackendPath + "/" + XenbusPaths.State, WatchToken, cancellation).ConfigureAwait(false);
    }

    /// <summary>Reacts to the backend's current state.</summary>
    public async Task EvaluateAsync(CancellationToken cancellation)
    {
        var backend = XenbusPaths.ParseState(await ReadBackendAsync(XenbusPaths.State, cancellation).ConfigureAwait(false));
        if (backend is XenbusState.Closing or XenbusState.Closed
            && await ReadBackendAsync(XenbusPaths.Online, cancellation).ConfigureAwait(false) == "0")
        {
            Removed = true;
            return;
        }

        switch (backend)
        {
            case XenbusState.InitWait when State == XenbusState.Initialising:
                await PublishRingsAsync(cancellation).ConfigureAwait(false);
                break;
            case XenbusState.Connected when Device is not null && State == XenbusState.Initialised:
                await SetStateAsync(XenbusState.Connected, cancellation).ConfigureAwait(false);
                break;
            case XenbusState.Closing or XenbusState.Closed when State is not (XenbusState.Initialising or XenbusState.Unknown):
                // The backend has stopped and unmapped before it said Closing, so access can end now;
                // a resumable device keeps its requests for the next backend instead.
                if (Device is not IResumableFrontendDevice)
                {
                    Device?.Dispose();
                    Device = null;
                }

                await SetStateAsync(XenbusState.Closed, cancellation).ConfigureAwait(false);
                await SetStateAsync(XenbusState.Initialising, cancellation).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// A key of the backend's directory, or null when it is gone: missing (ENOENT), or missing
    /// where this domain may not read the nearest ancestor (EACCES: the store does not leak the
    /// absence). A guest that was paused while its device was removed finds the directory so;
    /// the device list's watch then removes the device, and the guest's other devices carry on.
    /// </summary>
    private async Task<string?> ReadBackendAsync(string key, CancellationToken cancellation)
    {
        try
        {
            return await _store.TryReadStringAsync(BackendPath + "/" + key, cancellation).ConfigureAwait(false);
        }
        catch (StoreException e) when (e.Error == StoreError.PermissionDenied)
        {
            return null;
        }
    }

    /// <summary>
    /// The session ended under the device (the daemon went away): reports it Closed without a
    /// store write that could not land, and hands the device to the agent, which keeps a
    /// resumable one for the next session and releases the others once the old backend's
    /// mappings are cleared.
    /// </summary>
    public IFrontendDevice? Detach()
    {
        var device = Device;
        Device = null;
        if (State is not (XenbusState.Closed or XenbusState.Unknown))
        {
            Announce(XenbusState.Closed);
        }

        return device;
    }

    /// <summary>
    /// Takes the device out of the handshake, for the agent to release when the device is removed:
    /// its grants are ended before the handshake says Closed, as Xen's frontends do.
    /// </summary>
    public IFrontendDevice? TakeDevice()
    {
        var device = Device;
        Device = null;
        return device;
    }

    /// <summary>
    /// Says Closed to a backend that is removing the device, and stops following it. Written only
    /// while the directory is still there (in one transaction with that check): a backend that
    /// stopped waiting has removed it, and a late write must not bring a node of it back.
    /// </summary>
    public async Task CloseRemovedAsync(CancellationToken cancellation)
    {
        await UnwatchAsync(cancellation).ConfigureAwait(false);
        await _store.RunTransactionAsync(
            async (transaction, ct) =>
            {
                if (await transaction.TryReadStringAsync(FrontendPath + "/" + XenbusPaths.Backend, ct).ConfigureAwait(false) is not null)
                {
                    await transaction.WriteAsync(FrontendPath + "/" + XenbusPaths.State, XenbusPaths.Format(XenbusState.Closed), ct).ConfigureAwait(false);
                }
            },
            cancellationToken: cancellation).ConfigureAwait(false);
        Announce(XenbusState.Closed);
    }

    /// <summary>The device's directories are gone (the backend removed it without waiting for this side): stops following it and writes nothing.</summary>
    public async Task ForgetAsync(CancellationToken cancellation)
    {
        await UnwatchAsync(cancellation).ConfigureAwait(false);
        if (State is not (XenbusState.Closed or XenbusState.Unknown))
        {
            Announce(XenbusState.Closed);
        }
    }

    private async Task UnwatchAsync(CancellationToken cancellation)
    {
        try
        {
            await _store.UnwatchAsync(BackendPath + "/" + XenbusPaths.State, WatchToken, cancellation).ConfigureAwait(false);
        }
        catch (StoreException e) when (e.Error == StoreError.NotFound)
        {
            // Never watched: the handshake did not get as far as StartAsync's watch.
        }
    }

    private async Task PublishRingsAsync(CancellationToken cancellation)
    {
        var features = await _store.ReadChildValuesAsync(BackendPath, cancellation).ConfigureAwait(false);
        var context = new FrontendConnectContext(Type, Id, _memory, features);
        if (Device is IResumableFrontendDevice resumable)
        {
            resumable.Resume(context);
        }
        else
        {
            Device = _driver.Connect(context);
        }

        var keys = Device.PublishedKeys;
        await _store.RunTransactionAsync(
            async (transaction, ct) =>
            {
                foreach (var (key, value) in keys)
                {
                    await transaction.WriteAsync(FrontendPath + "/" + key, value, ct).ConfigureAwait(false);
                }

                await transaction.WriteAsync(FrontendPath + "/" + XenbusPaths.State, XenbusPaths.Format(XenbusState.Initialised), ct).ConfigureAwait(false);
            },
            cancellationToken: cancellation).ConfigureAwait(false);
        Announce(XenbusState.Initialised);
    }

    private async Task SetStateAsync(XenbusState state, CancellationToken cancellation)
    {
        await _store.WriteAsync(FrontendPath + "/" + XenbusPaths.State, XenbusPaths.Format(state), cancellation).ConfigureAwait(false);
        Announce(state);
    }

    private void Announce(XenbusState state)
    {
        State = state;
        _changed(new DeviceStateChange(Type, Id, state));
    }
}
