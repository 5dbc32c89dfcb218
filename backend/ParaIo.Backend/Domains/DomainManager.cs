using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ParaIo.Backend.Devices;
using ParaIo.RingBuffer.Grants;
using ParaIo.Store.Client;
using ParaIo.Store.Server;
using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Domains;

/// <summary>
/// The daemon's domains: creates and destroys them for the operator, adds and removes their
/// devices also while their guests run (hot-plug), lets their guests in (name, token and grant
/// pool in the store HELLO), tears a domain's devices down when its guest goes, and runs the
/// backend half of every device's handshake from store watches.
/// </summary>
public sealed class DomainManager : IAsyncDisposable
{
    private const string WatchTokenPrefix = "domain:";

    private readonly DomainRegistry _registry;
    private readonly IReadOnlyDictionary<string, IBackendDriver> _drivers;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, DomainSupervisor> _supervisors = new();
    private readonly Channel<DomainSupervisor> _evaluations = Channel.CreateUnbounded<DomainSupervisor>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StoreClient? _store;
    private Task _pumps = Task.CompletedTask;

    /// <summary>Creates the manager; <see cref="StartAsync"/> connects it to the store.</summary>
    public DomainManager(DomainRegistry registry, IEnumerable<IBackendDriver> drivers, ILoggerFactory loggers)
    {
        _registry = registry;
        _drivers = drivers.ToDictionary(d => d.DeviceType, StringComparer.Ordinal);
        _loggers = loggers;
        _logger = loggers.CreateLogger<DomainManager>();
    }

    /// <summary>Device types a domain may have.</summary>
    public IEnumerable<string> DeviceTypes => _drivers.Keys;

    /// <summary>
    /// Publishes every domain in the registry (all of them, after a restart) and starts following
    /// the store. <paramref name="store"/> is a domain-0 connection to the daemon's own store.
    /// </summary>
    public async Task StartAsync(StoreClient store, CancellationToken cancellation)
    {
        _store = store;
        _pumps = Task.WhenAll(Task.Run(WatchPumpAsync, CancellationToken.None), Task.Run(EvaluationPumpAsync, CancellationToken.None));
        foreach (var record in _registry.Domains)
        {
            await AddSupervisorAsync(record, cancellation).ConfigureAwait(false);
        }

        _started.TrySetResult();
    }

    /// <summary>The store's HELLO check for guests: known name, right token, not already attached, one sealed pool.</summary>
    public async ValueTask<AuthenticationResult> AuthenticateGuestAsync(HelloRequest hello, CancellationToken cancellation)
    {
        // A guest that connects while the daemon is still publishing its domains waits for that.
        await _started.Task.WaitAsync(cancellation).ConfigureAwait(false);
        var record = _registry.Authenticate(hello.Name, hello.Token);
        if (record is null || !_supervisors.TryGetValue(record.DomainId, out var supervisor))
        {
            return AuthenticationResult.Refuse($"no domain '{hello.Name}' with that token");
        }

        if (hello.Fds.Count != 1)
        {
            return AuthenticationResult.Refuse($"a guest hands over exactly one grant pool descriptor, not {hello.Fds.Count}");
        }

        GrantPool pool;
        try
        {
            pool = GrantPool.Attach(hello.DetachFds()[0]);
        }
        catch (Exception e) when (e is InvalidDataException or System.ComponentModel.Win32Exception)
        {
            return AuthenticationResult.Refuse($"domain '{hello.Name}' handed over an unusable pool: {e.Message}");
        }

        if (!await supervisor.TryAttachGuestAsync(hello.ConnectionId, pool).ConfigureAwait(false))
        {
            pool.Dispose();
            return AuthenticationResult.Refuse($"domain '{hello.Name}' already has a guest attached");
        }

        return AuthenticationResult.Accept((ushort)record.DomainId);
    }

    /// <summary>The store saw a connection close: if it was a guest's, tear its devices down.</summary>
    public void OnConnectionClosed(StoreConnectionInfo connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Domain != 0 && _supervisors.TryGetValue(connection.Domain, out var supervisor))
        {
            supervisor.MarkClosed(connection.Id);
            _ = Guard(supervisor.DetachGuestAsync(connection.Id, _stopping.Token), $"detaching dom{connection.Domain}");
        }
    }

    /// <summary>Creates a domain, publishes its devices and returns it (with its token).</summary>
    /// <exception cref="ArgumentException">Bad name, taken name, unknown device type.</exception>
    public async Task<DomainRecord> CreateDomainAsync(string name, IReadOnlyList<string> devices, CancellationToken cancellation)
    {
        // Devices named with an id keep it; the others take the lowest ids their type leaves free.
        var specs = devices.Select(text => DeviceSpec.Parse(text, defaultId: -1)).ToList();
        for (var i = 0; i < specs.Count; i++)
        {
            Validate(specs[i]);

            if (specs[i].Id < 0)
            {
                var taken = specs.Where(s => s.Type == specs[i].Type).Select(s => s.Id).ToHashSet();
                specs[i] = specs[i] with { Id = Enumerable.Range(0, 10_000).First(id => !taken.Contains(id)) };
            }
        }

        var record = _registry.Create(name, specs);
        await AddSupervisorAsync(record, cancellation).ConfigureAwait(false);
        _logger.LogInformation("Created domain {Name} as dom{Domain} with devices {Devices}", name, record.DomainId, string.Join(", ", specs));
        return record;
    }

    /// <summary>Destroys a domain: closes its devices, unmaps its grants, drops its guest, removes its nodes; frees its id last.</summary>
    /// <exception cref="KeyNotFoundException">No such domain.</exception>
    public async Task<DomainRecord> DestroyDomainAsync(string name, Func<long, bool> disconnect, CancellationToken cancellation)
    {
        var record = _registry.Remove(name) ?? throw new KeyNotFoundException($"no domain named '{name}'");
        if (_supervisors.TryGetValue(record.DomainId, out var supervisor))
        {
            // A change in progress finishes first (its removals are bounded, and still hear the
            // guest's answers while the supervisor is listed); later ones are refused.
            await supervisor.Changes.WaitAsync(cancellation).ConfigureAwait(false);
            supervisor.IsRetired = true;
            supervisor.Changes.Release();
            _supervisors.TryRemove(record.DomainId, out _);
            var connection = supervisor.ConnectionId;
            await supervisor.CloseAllAsync("the domain was destroyed", cancellation).ConfigureAwait(false);
            if (connection >= 0)
            {
                disconnect(connection);
            }

            await _store!.UnwatchAsync(XenbusPaths.Domain(record.DomainId) + "/device", WatchToken(record.DomainId), cancellation).ConfigureAwait(false);
            await supervisor.RemoveNodesAsync(cancellation).ConfigureAwait(false);
        }

        _registry.Release(record.DomainId);
        _logger.LogInformation("Destroyed domain {Name} (dom{Domain})", name, record.DomainId);
        return record;
    }

    /// <summary>Every domain as the operator created it, with its devices' settings.</summary>
    public IReadOnlyList<DomainRecord> Records => _registry.Domains;

    /// <summary>
    /// How long a removed device's frontend has to answer Closed before the device is torn down
    /// without it (a guest that ignores the request cannot hold a removal up).
    /// </summary>
    public TimeSpan RemovalTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Changes a domain's devices, whether or not its guest runs (hot-plug): <paramref name="change"/>
    /// maps the current list to the new one; devices only in the new list are published (their
    /// handshake starts), devices only in the old one are removed (walked to Closing, given
    /// <see cref="RemovalTimeout"/> to close, then torn down), and a device whose settings changed
    /// is removed and added again. The new list is saved before the devices change. Changes to one
    /// domain run one at a time; the reply comes when the removals have finished.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such domain.</exception>
    /// <exception cref="InvalidOperationException">The domain is being destroyed.</exception>
    /// <exception cref="ArgumentException">A device is listed twice, or its type or settings are refused.</exception>
    public async Task<DomainRecord> ChangeDevicesAsync(string name, Func<IReadOnlyList<DeviceSpec>, IReadOnlyList<DeviceSpec>> change, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(change);
        var found = _registry.Find(name) ?? throw new KeyNotFoundException($"no domain named '{name}'");
        if (!_supervisors.TryGetValue(found.DomainId, out var supervisor))
        {
            throw new InvalidOperationException($"Domain '{name}' is being destroyed.");
        }

        await supervisor.Changes.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            // Read again under the domain's change lock: an earlier change may have just finished.
            var current = _registry.Find(name);
            if (supervisor.IsRetired || current is null || current.DomainId != supervisor.Record.DomainId)
            {
                throw new InvalidOperationException($"Domain '{name}' is being destroyed.");
            }

            var devices = change(current.Devices);
            var added = devices.Where(d => !current.Devices.Contains(d)).ToList();
            var removed = current.Devices.Where(d => !devices.Contains(d)).ToList();
            foreach (var device in added)
            {
                Validate(device);
            }

            var record = _registry.ReplaceDevices(name, devices);
            supervisor.Record = record;
            if (removed.Count > 0)
            {
                await supervisor.RemoveDevicesAsync(removed, RemovalTimeout, cancellation).ConfigureAwait(false);
            }

            if (added.Count > 0)
            {
                await supervisor.AddDevicesAsync(added, cancellation).ConfigureAwait(false);
            }

            _logger.LogInformation("Domain {Name} (dom{Domain}) now has devices {Devices}", name, record.DomainId, string.Join(", ", record.Devices));
            return record;
        }
        finally
        {
            supervisor.Changes.Release();
        }
    }

    /// <summary>
    /// Adds one device to a domain (see <see cref="ChangeDevicesAsync"/>); an <see cref="DeviceSpec.Id"/>
    /// below 0 takes the lowest id the device's type leaves free. Returns the device as added.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such domain.</exception>
    /// <exception cref="InvalidOperationException">The domain is being destroyed.</exception>
    /// <exception cref="ArgumentException">The domain has that device already, or its type or settings are refused.</exception>
    public async Task<DeviceSpec> AddDeviceAsync(string name, DeviceSpec device, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(device);
        var added = device;
        await ChangeDevicesAsync(
            name,
            devices =>
            {
                if (added.Id < 0)
                {
                    var taken = devices.Where(d => d.Type == added.Type).Select(d => d.Id).ToHashSet();
                    added = added with { Id = Enumerable.Range(0, 10_000).First(id => !taken.Contains(id)) };
                }
                else if (devices.Any(d => d.Type == added.Type && d.Id == added.Id))
                {
                    throw new ArgumentException($"Domain '{name}' has a device {added.Type}:{added.Id} already.");
                }

                return [.. devices, added];
            },
            cancellation).ConfigureAwait(false);
        return added;
    }

    /// <summary>Removes one device from a domain (see <see cref="ChangeDevicesAsync"/>); returns it as it was.</summary>
    /// <exception cref="KeyNotFoundException">No such domain, or it has no such device.</exception>
    /// <exception cref="InvalidOperationException">The domain is being destroyed.</exception>
    public async Task<DeviceSpec> RemoveDeviceAsync(string name, string type, int id, CancellationToken cancellation)
    {
        DeviceSpec? removed = null;
        await ChangeDevicesAsync(
            name,
            devices =>
            {
                removed = devices.FirstOrDefault(d => d.Type == type && d.Id == id)
                    ?? throw new KeyNotFoundException($"domain '{name}' has no device {type}:{id}");
                return [.. devices.Where(d => d != removed)];
            },
            cancellation).ConfigureAwait(false);
        return removed!;
    }

    /// <summary>Every domain with its status.</summary>
    public IReadOnlyList<DomainSummary> ListDomains() =>
        [.. _registry.Domains.Select(r => _supervisors.TryGetValue(r.DomainId, out var s)
            ? new DomainSummary(r.Name, r.DomainId, s.Status, r.Devices.Count, s.MappedGrants)
            : new DomainSummary(r.Name, r.DomainId, DomainStatus.Created, r.Devices.Count, 0))];

    /// <summary>Every device (of one domain, if named) with both ends' states read from the store.</summary>
    public async Task<IReadOnlyList<DeviceSummary>> ListDevicesAsync(string? name, CancellationToken cancellation)
    {
        if (name is not null && _registry.Find(name) is null)
        {
            throw new KeyNotFoundException($"no domain named '{name}'");
        }

        var result = new List<DeviceSummary>();
        foreach (var record in _registry.Domains.Where(r => name is null || r.Name == name))
        {
            foreach (var device in record.Devices)
            {
                var address = new DeviceAddress(record.DomainId, device.Type, device.Id);
                result.Add(new DeviceSummary(
                    record.Name,
                    record.DomainId,
                    device.Type,
                    device.Id,
                    await ReadStateAsync(address.FrontendPath, cancellation).ConfigureAwait(false),
                    await ReadStateAsync(address.BackendPath, cancellation).ConfigureAwait(false),
                    address.FrontendPath,
                    address.BackendPath));
            }
        }

        return result;
    }

    /// <summary>
    /// Offers again, in every domain, the devices refused when they were published (their disk, SAN
    /// or LUN masking was missing): call it when something such a device may have lacked appears.
    /// Returns how many devices were offered.
    /// </summary>
    public async Task<int> RetryRefusedDevicesAsync(CancellationToken cancellation)
    {
        var offered = 0;
        foreach (var supervisor in _supervisors.Values)
        {
            offered += await supervisor.RetryRefusedAsync(cancellation).ConfigureAwait(false);
        }

        return offered;
    }

    /// <summary>Live grant mappings of a domain's guest (for tests and counters).</summary>
    public int MappedGrants(int domainId) => _supervisors.TryGetValue(domainId, out var s) ? s.MappedGrants : 0;

    /// <summary>Devices whose backend is Connected, across all domains.</summary>
    public int ConnectedDevices => _supervisors.Values.Sum(s => s.ConnectedDevices);

    /// <summary>Domains whose guest is attached.</summary>
    public int ConnectedDomains => _supervisors.Values.Count(s => s.Status == DomainStatus.Connected);

    /// <summary>Walks every device of every domain to Closed (graceful shutdown).</summary>
    public async Task ShutdownAsync(CancellationToken cancellation)
    {
        foreach (var supervisor in _supervisors.Values)
        {
            try
            {
                await supervisor.CloseAllAsync("the daemon is stopping", cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning("Closing the devices of dom{Domain} failed: {Error}", supervisor.Record.DomainId, e.Message);
            }
        }
    }

    private void Validate(DeviceSpec device)
    {
        if (!_drivers.TryGetValue(device.Type, out var driver))
        {
            throw new ArgumentException($"No driver for device type '{device.Type}' (known: {string.Join(", ", _drivers.Keys)}).");
        }

        driver.ValidateSettings(device.EffectiveSettings);
    }

    private async Task<XenbusState?> ReadStateAsync(string directory, CancellationToken cancellation) =>
        await _store!.TryReadStringAsync(directory + "/" + XenbusPaths.State, cancellation).ConfigureAwait(false) is { } text ? XenbusPaths.ParseState(text) : null;

    private async Task AddSupervisorAsync(DomainRecord record, CancellationToken cancellation)
    {
        var supervisor = new DomainSupervisor(record, _store!, _drivers, _loggers.CreateLogger($"ParaIo.Domain.{record.Name}"), s => _evaluations.Writer.TryWrite(s));
        _supervisors[record.DomainId] = supervisor;
        await supervisor.PublishAsync(cancellation).ConfigureAwait(false);
        await _store!.WatchAsync(XenbusPaths.Domain(record.DomainId) + "/device", WatchToken(record.DomainId), cancellation).ConfigureAwait(false);
    }

    private static string WatchToken(int domainId) => WatchTokenPrefix + domainId.ToString(CultureInfo.InvariantCulture);

    private async Task WatchPumpAsync()
    {
        try
        {
            await foreach (var watch in _store!.WatchEvents.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (watch.Token.StartsWith(WatchTokenPrefix, StringComparison.Ordinal)
                    && int.TryParse(watch.Token.AsSpan(WatchTokenPrefix.Length), CultureInfo.InvariantCulture, out var domainId)
                    && _supervisors.TryGetValue(domainId, out var supervisor))
                {
                    _evaluations.Writer.TryWrite(supervisor);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
            // The store connection went away with the daemon.
        }
    }

    private async Task EvaluationPumpAsync()
    {
        try
        {
            await foreach (var supervisor in _evaluations.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (_supervisors.ContainsKey(supervisor.Record.DomainId))
                {
                    await Guard(supervisor.EvaluateAsync(_stopping.Token), $"evaluating dom{supervisor.Record.DomainId}").ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Guard(Task work, string what)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Failed {What}", what);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _evaluations.Writer.TryComplete();
        await _pumps.ConfigureAwait(false);
        // _stopping is not disposed: the store may still report a closed connection while the
        // daemon stops (OnConnectionClosed reads its token), and a source without a timer holds
        // nothing that needs releasing.
    }
}
