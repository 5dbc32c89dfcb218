using System.Collections.Concurrent;
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
/// device's handshake, and reconnects with a new session when the daemon restarts.
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

    private readonly GuestAgentOptions _options;
    private readonly Dictionary<string, IFrontendDriver> _drivers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Type, int Id), XenbusState> _states = new();
    private readonly Dictionary<(string Type, int Id), IFrontendDevice> _kept = [];
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
    /// <exception cref="GuestRefusedException">The daemon refused the name or token.</exception>
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
            catch (Exception e) when (e is SocketException or StoreConnectionLostException or StoreException or IOException or TimeoutException or ChannelClosedException or InvalidDataException)
            {
                if (Sessions != sessionsBefore)
                {
                    // A session ran: the next attempt starts from the shortest pause again.
                    delay = _options.ReconnectDelay;
                    waitingLogged = false;
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
        var found = new List<(IFrontendDriver Driver, int Id)>();
        var deviceRoot = XenbusPaths.Domain(Domain) + "/device";
        var types = await store.TryReadStringAsync(deviceRoot, cancellation).ConfigureAwait(false) is null
            ? []
            : await store.DirectoryAsync(deviceRoot, cancellation).ConfigureAwait(false);
        foreach (var type in types)
        {
            if (!_drivers.TryGetValue(type, out var driver))
            {
                _logger.LogWarning("No frontend for device type '{Type}'; its devices stay unconnected", type);
                continue;
            }

            foreach (var id in await store.DirectoryAsync(deviceRoot + "/" + type, cancellation).ConfigureAwait(false))
            {
                if (int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var devid))
                {
                    found.Add((driver, devid));
                }
            }
        }

        var handshakes = new List<FrontendHandshake>();
        foreach (var (driver, devid) in found)
        {
            _kept.Remove((driver.DeviceType, devid), out var kept);
            handshakes.Add(new FrontendHandshake(store, driver, memory, Domain, devid, kept, Changed));
        }

        // Devices the domain no longer has are released.
        foreach (var gone in _kept.Values)
        {
            Release(gone);
        }

        _kept.Clear();
        _handshakes = handshakes;
        try
        {
            foreach (var handshake in handshakes)
            {
                await handshake.StartAsync(cancellation).ConfigureAwait(false);
            }

            // Watch events drive everything from here; the stream ends when the daemon goes away.
            await foreach (var watch in store.WatchEvents.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                foreach (var handshake in handshakes.Where(h => h.WatchToken == watch.Token))
                {
                    await handshake.EvaluateAsync(cancellation).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var handshake in handshakes)
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
