using ParaIo.Frontend.Devices;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.Store.Client;
using ParaIo.Store.Xenbus;

namespace ParaIo.Frontend.Agent;

/// <summary>
/// The frontend half of one device's handshake in one session: follows the backend's state and
/// answers it. Backend InitWait → grant rings, publish them, Initialised; backend Connected →
/// Connected; backend Closing/Closed → release, Closed, then Initialising to ask for a new session.
/// </summary>
internal sealed class FrontendHandshake
{
    private readonly StoreClient _store;
    private readonly IFrontendDriver _driver;
    private readonly GuestMemory _memory;
    private readonly Action<DeviceStateChange> _changed;

    public FrontendHandshake(StoreClient store, IFrontendDriver driver, GuestMemory memory, int domain, int id, Action<DeviceStateChange> changed)
    {
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

    /// <summary>Starts the session's handshake: checks where the backend is, announces Initialising, watches the backend.</summary>
    public async Task StartAsync(CancellationToken cancellation)
    {
        var backend = await _store.TryReadStringAsync(FrontendPath + "/" + XenbusPaths.Backend, cancellation).ConfigureAwait(false);
        if (backend != BackendPath)
        {
            throw new InvalidDataException($"Device {Type}/{Id} names backend '{backend}', not {BackendPath}.");
        }

        await SetStateAsync(XenbusState.Initialising, cancellation).ConfigureAwait(false);
        await _store.WatchAsync(BackendPath + "/" + XenbusPaths.State, WatchToken, cancellation).ConfigureAwait(false);
    }

    /// <summary>Reacts to the backend's current state.</summary>
    public async Task EvaluateAsync(CancellationToken cancellation)
    {
        var backend = XenbusPaths.ParseState(await _store.TryReadStringAsync(BackendPath + "/" + XenbusPaths.State, cancellation).ConfigureAwait(false));
        switch (backend)
        {
            case XenbusState.InitWait when Device is null && State == XenbusState.Initialising:
                await PublishRingsAsync(cancellation).ConfigureAwait(false);
                break;
            case XenbusState.Connected when Device is not null && State == XenbusState.Initialised:
                await SetStateAsync(XenbusState.Connected, cancellation).ConfigureAwait(false);
                break;
            case XenbusState.Closing or XenbusState.Closed when State is not (XenbusState.Initialising or XenbusState.Unknown):
                // The backend has stopped and unmapped before it said Closing, so access can end now.
                Device?.Dispose();
                Device = null;
                await SetStateAsync(XenbusState.Closed, cancellation).ConfigureAwait(false);
                await SetStateAsync(XenbusState.Initialising, cancellation).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// The session ended under the device (the daemon went away): the pool goes with the session,
    /// so the device is released and reported Closed without a store write that could not land.
    /// </summary>
    public void Abandon()
    {
        try
        {
            Device?.Dispose();
        }
        catch (GrantAccessException)
        {
            // A backend that died with pages mapped cannot unmap them; the pool is discarded anyway.
        }

        Device = null;
        if (State is not (XenbusState.Closed or XenbusState.Unknown))
        {
            Announce(XenbusState.Closed);
        }
    }

    private async Task PublishRingsAsync(CancellationToken cancellation)
    {
        var features = await _store.ReadChildValuesAsync(BackendPath, cancellation).ConfigureAwait(false);
        Device = _driver.Connect(new FrontendConnectContext(Type, Id, _memory, features));
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
