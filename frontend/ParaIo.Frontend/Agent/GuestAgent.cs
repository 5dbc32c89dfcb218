using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ParaIo.Frontend.Devices;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.Store;
using ParaIo.Store.Client;
using ParaIo.Store.Xenbus;

namespace ParaIo.Frontend.Agent;

/// <summary>
/// The guest side of a domain: connects to the daemon's store as its domain (name, token and its
/// grant pool in the HELLO), finds its devices under its subtree, runs the frontend half of each
/// device's handshake, and reconnects with a new session when the daemon restarts. It watches its
/// device directory, so devices the operator adds or removes while the guest runs are connected
/// or released on the spot (<see cref="DeviceAdded"/>, <see cref="DeviceRemoved"/>).
/// </summary>
/// <remarks>
/// The pool is the guest's memory and lives as long as the agent: a disk's requests that were in
/// flight when the daemon went away sit in it, and are sent again in the next session. Before a
/// new session's devices start, the agent clears the busy bits the old backend left: paraiod
/// accepts a new session only after it unmapped every grant of the old one, or after it died and
/// took its mappings with it. Devices that cannot resume are released then, and set up afresh.
/// </remarks>
public sealed class GuestAgent
{
    /// <summary>Xen's DOMID_SELF: what a guest calls itself before the daemon tells it its id.</summary>
    public const ushort DomainSelf = 0x7FF0;

    private const string DevicesWatchToken = "devices";

    private readonly GuestAgentOptions _options;
    private readonly Dictionary<string, IFrontendDriver> _drivers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Type, int Id), XenbusState> _states = new();
    private readonly Dictionary<(string Type, int Id), IFrontendDevice> _kept = [];
    private readonly HashSet<(string Type, int Id)> _known = [];
    private readonly HashSet<string> _unknownTypes = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<FrontendHandshake> _handshakes = [];
    private GuestMemory? _memory;

    /// <summary>Creates the agent.</summary>
    public GuestAgent(GuestAgentOptions options, IEnumerable<IFrontendDriver> drivers, ILogger logger)
    {
        _options = options;
        _drivers = drivers.ToDictionary(d => d.DeviceType, StringComparer.Ordinal);
        _logger = logger;
    }

    /// <summary>Raised (on the agent's thread) whenever a device's frontend state changes.</summary>
    public event Action<DeviceStateChange>? DeviceStateChanged;

    /// <summary>
    /// Raised (on the agent's thread) when a device the guest did not have appears: hot-plugged
    /// while the guest runs, or added while paraiod was away. The devices found when the agent
    /// first connects are not reported here; each shows in <see cref="DeviceStateChanged"/>.
    /// </summary>
    public event Action<GuestDevice>? DeviceAdded;

    /// <summary>
    /// Raised (on the agent's thread) when a device was taken from the guest (hot-unplug), after
    /// it was released: callers waiting on it have failed and it takes no more requests.
    /// </summary>
    public event Action<GuestDevice>? DeviceRemoved;

    /// <summary>Raised when a session starts, with the domain id.</summary>
    public event Action<int>? SessionStarted;

    /// <summary>The domain id of the current session, or -1.</summary>
    public int Domain { get; private set; } = -1;

    /// <summary>Sessions started so far (1 for a guest that never had to reconnect).</summary>
    public int Sessions { get; private set; }

    /// <summary>Each device's latest frontend state.</summary>
    public IReadOnlyDictionary<(string Type, int Id), XenbusState> States => _states;

    /// <summary>Grants a lost backend still held when a new session started, summed over sessions.</summary>
    public int StaleMappingsCleared { get; private set; }

    /// <summary>The connected device of that type and id in the current session, or null.</summary>
    public IFrontendDevice? FindDevice(string type, int id) =>
        _handshakes.FirstOrDefault(h => h.Type == type && h.Id == id && h.State == XenbusState.Connected)?.Device;

    /// <summary>
    /// Runs until cancelled: connect, serve the session, and after a lost connection connect again
    /// with a growing pause.
    /// </summary>
    /// <exception cref="GuestRefusedException">
    /// The daemon refused the name or token at the first connect, or has refused it for
    /// <see cref="GuestAgentOptions.RefusedGiveUp"/> after a session (the domain was destroyed).
    /// </exception>
    public async Task RunAsync(CancellationToken cancellation)
    {
        try
        {
            await RunSessionsAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            foreach (var device in _kept.Values)
            {
                Release(device);
            }

            _kept.Clear();
            _memory?.Dispose();
            _memory = null;
        }
    }

    private async Task RunSessionsAsync(CancellationToken cancellation)
    {
        var delay = _options.ReconnectDelay;
        var waitingLogged = false;
        var refusedLogged = false;
        long? refusedSince = null;
        while (!cancellation.IsCancellationRequested)
        {
            var sessionsBefore = Sessions;
            try
            {
                await RunSessionAsync(cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }
            catch (StoreException e) when (e.Error == StoreError.PermissionDenied && Sessions == 0)
            {
                throw new GuestRefusedException($"paraiod refused domain '{_options.Name}': wrong name or token, or the domain already has a guest attached.", e);
            }
            catch (StoreException e) when (e.Error == StoreError.PermissionDenied)
            {
                // Accepted before, refused now: most likely destroyed. Keep trying a while, since a
                // daemon still letting go of the last connection refuses a moment too.
                refusedSince ??= Stopwatch.GetTimestamp();
                if (Stopwatch.GetElapsedTime(refusedSince.Value) >= _options.RefusedGiveUp)
                {
                    throw new GuestRefusedException($"paraiod no longer accepts domain '{_options.Name}' (refused for {_options.RefusedGiveUp.TotalSeconds:0.#} s): it was destroyed, or paraiod lost its state.", e);
                }

                if (!refusedLogged)
                {
                    _logger.LogWarning("paraiod refuses domain {Name}; was it destroyed? Trying for {Seconds} s", _options.Name, _options.RefusedGiveUp.TotalSeconds);
                    refusedLogged = true;
                }
            }
            catch (Exception e) when (e is SocketException or StoreConnectionLostException or StoreException or IOException or TimeoutException or ChannelClosedException or InvalidDataException)
            {
                if (Sessions != sessionsBefore)
                {
                    // A session ran: the next attempt starts from the shortest pause again.
                    delay = _options.ReconnectDelay;
                    waitingLogged = false;
                    refusedLogged = false;
                    refusedSince = null;
                }

                if (!waitingLogged)
                {
                    _logger.LogInformation("Waiting for paraiod at {Socket}: {Reason}", _options.SocketPath, e.Message);
                    waitingLogged = true;
                }
            }

            await Task.Delay(delay, cancellation).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    private async Task RunSessionAsync(CancellationToken cancellation)
    {
        var memory = _memory ??= GuestMemory.Create(_options.PoolPages, DomainSelf, _options.GrantEntries);
        await using var store = await StoreClient.ConnectAsync(_options.SocketPath, _options.Name, _options.Token, [memory.Pool.FileDescriptor], cancellationToken: cancellation).ConfigureAwait(false);
        Domain = store.Domain;
        Sessions++;

        // The daemon let go of the old session before it accepted this one (see the remarks).
        var stale = memory.Grants.ClearStaleMappings();
        StaleMappingsCleared += stale;
        foreach (var key in _kept.Where(k => k.Value is not IResumableFrontendDevice).Select(k => k.Key).ToList())
        {
            Release(_kept[key]);
            _kept.Remove(key);
        }

        _logger.LogInformation("Connected to paraiod as dom{Domain} (session {Session}; {Stale} grant(s) the old backend held were cleared, {Kept} device(s) resume)", Domain, Sessions, stale, _kept.Count);
        SessionStarted?.Invoke(Domain);

        // Read the device list first: a lost connection here must not cost a kept device.
        var deviceRoot = XenbusPaths.Domain(Domain) + "/device";
        var found = await ListDevicesAsync(store, deviceRoot, cancellation).ConfigureAwait(false);
        var session = new Dictionary<(string Type, int Id), FrontendHandshake>();
        foreach (var (driver, devid) in found)
        {
            _kept.Remove((driver.DeviceType, devid), out var kept);
            session[(driver.DeviceType, devid)] = new FrontendHandshake(store, driver, memory, Domain, devid, kept, Changed);
        }

        // Devices the domain no longer has (removed while paraiod was away) are released.
        foreach (var (key, gone) in _kept)
        {
            Release(gone);
            Forget(key);
        }

        _kept.Clear();
        _handshakes = [.. session.Values];
        try
        {
            foreach (var handshake in session.Values.ToList())
            {
                await StartAsync(session, handshake, announce: Sessions > 1, cancellation).ConfigureAwait(false);
            }

            // Devices added and removed while the guest runs (hot-plug) show under the device root.
            await store.WatchAsync(deviceRoot, DevicesWatchToken, cancellation).ConfigureAwait(false);

            // Watch events drive everything from here; the stream ends when the daemon goes away.
            await foreach (var watch in store.WatchEvents.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                if (watch.Token == DevicesWatchToken)
                {
                    if (ChangesDeviceList(deviceRoot, watch.Path))
                    {
                        await RescanAsync(store, memory, deviceRoot, session, cancellation).ConfigureAwait(false);
                    }

                    continue;
                }

                foreach (var handshake in session.Values.Where(h => h.WatchToken == watch.Token).ToList())
                {
                    await handshake.EvaluateAsync(cancellation).ConfigureAwait(false);
                    if (handshake.Removed)
                    {
                        await RemoveAsync(session, handshake, directoryGone: false, cancellation).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            foreach (var handshake in session.Values)
            {
                if (handshake.Detach() is { } device)
                {
                    _kept[(handshake.Type, handshake.Id)] = device;
                }
            }

            _handshakes = [];
            Domain = -1;
        }
    }

    /// <summary>Every device directory under the device root whose type has a frontend driver.</summary>
    private async Task<List<(IFrontendDriver Driver, int Id)>> ListDevicesAsync(StoreClient store, string deviceRoot, CancellationToken cancellation)
    {
        var found = new List<(IFrontendDriver Driver, int Id)>();
        var types = await store.TryReadStringAsync(deviceRoot, cancellation).ConfigureAwait(false) is null
            ? []
            : await store.DirectoryAsync(deviceRoot, cancellation).ConfigureAwait(false);
        foreach (var type in types)
        {
            if (!_drivers.TryGetValue(type, out var driver))
            {
                if (_unknownTypes.Add(type))
                {
                    _logger.LogWarning("No frontend for device type '{Type}'; its devices stay unconnected", type);
                }

                continue;
            }

            IReadOnlyList<string> ids;
            try
            {
                ids = await store.DirectoryAsync(deviceRoot + "/" + type, cancellation).ConfigureAwait(false);
            }
            catch (StoreException e) when (e.Error == StoreError.NotFound)
            {
                continue; // removed between the two reads
            }

            foreach (var id in ids)
            {
                if (int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var devid))
                {
                    found.Add((driver, devid));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// True for a watch event that may mean a device came or went: the device root, a type's
    /// directory, a device's directory, or its <c>backend</c> key (dom0 writes it first when it
    /// publishes a device). The many writes to the devices' other keys are not looked at.
    /// </summary>
    private static bool ChangesDeviceList(string deviceRoot, string path)
    {
        if (path == deviceRoot)
        {
            return true;
        }

        if (!path.StartsWith(deviceRoot + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = path.AsSpan(deviceRoot.Length + 1).Count('/') + 1;
        return parts <= 2 || (parts == 3 && path.EndsWith("/" + XenbusPaths.Backend, StringComparison.Ordinal));
    }

    /// <summary>Compares the device directories with the session's handshakes: starts the new ones, drops the ones gone.</summary>
    private async Task RescanAsync(StoreClient store, GuestMemory memory, string deviceRoot, Dictionary<(string Type, int Id), FrontendHandshake> session, CancellationToken cancellation)
    {
        var listed = await ListDevicesAsync(store, deviceRoot, cancellation).ConfigureAwait(false);
        var present = listed.Select(d => (d.Driver.DeviceType, d.Id)).ToHashSet();
        foreach (var gone in session.Values.Where(h => !present.Contains((h.Type, h.Id))).ToList())
        {
            // The backend tore the device down without waiting for us (or dom0 removed it before we saw Closing).
            await RemoveAsync(session, gone, directoryGone: true, cancellation).ConfigureAwait(false);
        }

        foreach (var (driver, devid) in listed.Where(d => !session.ContainsKey((d.Driver.DeviceType, d.Id))))
        {
            var handshake = new FrontendHandshake(store, driver, memory, Domain, devid, kept: null, Changed);
            session[(handshake.Type, handshake.Id)] = handshake;
            _handshakes = [.. session.Values];
            await StartAsync(session, handshake, announce: true, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a device's handshake; one that cannot start (its directory went, or names another backend) is dropped, not the session.</summary>
    private async Task StartAsync(Dictionary<(string Type, int Id), FrontendHandshake> session, FrontendHandshake handshake, bool announce, CancellationToken cancellation)
    {
        var device = new GuestDevice(handshake.Type, handshake.Id);
        try
        {
            await handshake.StartAsync(cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException || (e is StoreException s && s.Error == StoreError.NotFound))
        {
            _logger.LogWarning("Device {Device} cannot be set up: {Reason}", device, e.Message);
            session.Remove((handshake.Type, handshake.Id));
            _handshakes = [.. session.Values];
            if (handshake.TakeDevice() is { } kept)
            {
                Release(kept);
            }

            Forget((handshake.Type, handshake.Id));
            return;
        }

        if (_known.Add((handshake.Type, handshake.Id)) && announce)
        {
            _logger.LogInformation("Device {Device} added", device);
            DeviceAdded?.Invoke(device);
        }
    }

    /// <summary>
    /// Hot-unplug: releases the device (callers waiting on it fail, its grants end; the backend
    /// unmapped before it said Closing), then says Closed unless the directory is gone already.
    /// </summary>
    private async Task RemoveAsync(Dictionary<(string Type, int Id), FrontendHandshake> session, FrontendHandshake handshake, bool directoryGone, CancellationToken cancellation)
    {
        session.Remove((handshake.Type, handshake.Id));
        _handshakes = [.. session.Values];
        if (handshake.TakeDevice() is { } device)
        {
            Release(device);
        }

        try
        {
            if (directoryGone)
            {
                await handshake.ForgetAsync(cancellation).ConfigureAwait(false);
            }
            else
            {
                await handshake.CloseRemovedAsync(cancellation).ConfigureAwait(false);
            }
        }
        finally
        {
            // Reported even when the session is lost before the store heard of it: the device is gone either way.
            Forget((handshake.Type, handshake.Id));
        }
    }

    /// <summary>A device the guest had is gone for good: its state is dropped and <see cref="DeviceRemoved"/> raised.</summary>
    private void Forget((string Type, int Id) key)
    {
        _states.TryRemove(key, out _);
        if (_known.Remove(key))
        {
            var device = new GuestDevice(key.Type, key.Id);
            _logger.LogInformation("Device {Device} removed", device);
            DeviceRemoved?.Invoke(device);
        }
    }

    private void Release(IFrontendDevice device)
    {
        try
        {
            device.Dispose();
        }
        catch (GrantAccessException e)
        {
            // Only when the agent stops while a backend still maps the device: the pool goes anyway.
            _logger.LogDebug("Releasing a device left grants mapped: {Reason}", e.Message);
        }
    }

    private void Changed(DeviceStateChange change)
    {
        _states[(change.Type, change.Id)] = change.State;
        _logger.LogInformation("Device {Type}/{Id}: {State}", change.Type, change.Id, change.State);
        DeviceStateChanged?.Invoke(change);
    }
}
