using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Domains;
using ParaIo.Backend.Fabric;
using ParaIo.Backend.Storage;
using ParaIo.Backend.Uplinks;
using ParaIo.Daemon.Control;
using ParaIo.Daemon.Metrics;
using ParaIo.Store.Client;
using ParaIo.Store.Server;

namespace ParaIo.Daemon.Hosting;

/// <summary>
/// paraiod's life: start the store on its socket, bring back every domain from the state file,
/// serve guests and operators; on stop, walk every device to Closed before the store goes.
/// </summary>
public sealed class DaemonService : IHostedService, IAsyncDisposable
{
    private readonly ParaiodOptions _options;
    private readonly IEnumerable<IBackendDriver> _drivers;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ParaiodMetrics _metrics;
    private readonly DiskCatalog _disks;
    private readonly BridgeTable _bridges;
    private readonly BridgeUplinks _uplinks;
    private readonly FabricRuntime _fabric;
    private DomainManager? _domains;
    private Timer? _sweeper;
    private StoreServer? _server;
    private StoreClient? _store;
    private PrometheusEndpoint? _prometheus;

    /// <summary>Created by the host.</summary>
    public DaemonService(IOptions<ParaiodOptions> options, IEnumerable<IBackendDriver> drivers, DiskCatalog disks, BridgeTable bridges, BridgeUplinks uplinks, FabricRuntime fabric, ILoggerFactory loggers)
    {
        _fabric = fabric;
        _disks = disks;
        _bridges = bridges;
        _uplinks = uplinks;
        _options = options.Value;
        _drivers = drivers;
        _loggers = loggers;
        _logger = loggers.CreateLogger("paraiod");
        _metrics = new ParaiodMetrics(() => _domains, () => _server);
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var socketPath = _options.EffectiveSocketPath;
        var stateDirectory = _options.EffectiveStateDirectory;
        Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var socketDirectory = Path.GetDirectoryName(Path.GetFullPath(socketPath))!;
        Directory.CreateDirectory(socketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        var registry = new DomainRegistry(Path.Combine(stateDirectory, "domains.json"));
        _domains = new DomainManager(registry, _drivers, _loggers) { RemovalTimeout = TimeSpan.FromSeconds(_options.DeviceRemovalSeconds) };
        StartBridges();
        var control = new ControlService(_domains, _disks, _uplinks, _fabric, id => _server?.Disconnect(id) ?? false, _metrics, _loggers.CreateLogger<ControlService>());
        _server = new StoreServer(
            new StoreServerOptions
            {
                SocketPath = socketPath,
                Authenticator = StoreAuthenticators.LocalDom0(_domains.AuthenticateGuestAsync),
                ConnectionClosed = _domains.OnConnectionClosed,
                ControlHandler = control.HandleAsync,
            },
            _loggers.CreateLogger<StoreServer>());
        _server.Start();
        _store = await StoreClient.ConnectAsync(socketPath, StoreAuthenticators.Dom0Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        // SAN disks answer before their domains are published, or are reported unavailable and
        // tried again in the background; when one answers, the devices refused for want of it are offered.
        _disks.SanDiskAvailable += OfferRefusedDevices;
        await _disks.ConnectSanDisksAsync(TimeSpan.FromSeconds(10), _logger, cancellationToken).ConfigureAwait(false);
        await _domains.StartAsync(_store, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(_options.MetricsListen))
        {
            _prometheus = PrometheusEndpoint.TryStart(_options.MetricsListen, _logger);
        }

        _logger.LogInformation(
            "paraiod ready: store socket {Socket}, state {State}, {Domains} domain(s), device types {Types}, metrics {Metrics}",
            socketPath,
            stateDirectory,
            registry.Domains.Count,
            string.Join(", ", _domains.DeviceTypes),
            _prometheus?.Url ?? "off");
    }

    private async void OfferRefusedDevices(string disk)
    {
        try
        {
            if (_domains is { } domains)
            {
                var offered = await domains.RetryRefusedDevicesAsync(CancellationToken.None).ConfigureAwait(false);
                _logger.LogInformation("SAN disk {Disk} is back: {Count} refused device(s) offered again", disk, offered);
            }
        }
        catch (Exception e)
        {
            // The store may be closing with the daemon; the devices stay Closed.
            _logger.LogWarning(e, "Devices waiting for SAN disk {Disk} could not be offered again", disk);
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _disks.SanDiskAvailable -= OfferRefusedDevices;
        if (_domains is not null)
        {
            await _domains.ShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_sweeper is not null)
        {
            await _sweeper.DisposeAsync().ConfigureAwait(false);
        }

        _uplinks.Dispose();
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        _logger.LogInformation("paraiod stopped: every device walked to Closed");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync().ConfigureAwait(false);
        }

        if (_domains is not null)
        {
            await _domains.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _uplinks.Dispose();
        _metrics.Dispose();
    }

    /// <summary>The configured bridges and their uplinks; an uplink that cannot be opened is logged and left out.</summary>
    private void StartBridges()
    {
        foreach (var configured in _options.Bridges)
        {
            var bridge = _bridges.GetOrCreate(configured.Name);
            if (configured.AgingSeconds is { } aging)
            {
                bridge.AgingTime = TimeSpan.FromSeconds(aging);
            }

            foreach (var uplink in configured.Uplinks)
            {
                try
                {
                    var vlan = VlanConfig.Access(uplink.Vlan ?? VlanConfig.DefaultVlan);
                    if (uplink.Vxlan is { } vxlan)
                    {
                        if (!string.IsNullOrEmpty(uplink.Tap) || !string.IsNullOrEmpty(uplink.Namespace))
                        {
                            throw new ArgumentException("an uplink is a TAP or a VXLAN tunnel, not both, and a tunnel's socket is in paraiod's namespace (drop Tap and Namespace)");
                        }

                        _uplinks.Add(bridge.Name, vxlan.ToPortOptions(vlan, uplink.Mtu));
                    }
                    else
                    {
                        _uplinks.Add(bridge.Name, new TapUplinkOptions
                        {
                            Tap = uplink.Tap,
                            NetworkNamespace = string.IsNullOrEmpty(uplink.Namespace) ? null : uplink.Namespace,
                            Vlan = vlan,
                            Mtu = uplink.Mtu,
                        });
                    }
                }
                catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
                {
                    // SocketException, a VXLAN tunnel's bind failing, is a Win32Exception.
                    _logger.LogError(
                        "Uplink {Uplink} of bridge {Bridge} could not be opened, the bridge runs without it: {Reason}",
                        uplink.Vxlan is { } vxlan ? $"VXLAN {vxlan.Name ?? $"VNI {vxlan.Vni}"} to {vxlan.Remote}" : uplink.Tap,
                        bridge.Name,
                        e.Message);
                }
            }
        }

        // Forget addresses past their age now and then; lookups and snapshots ignore them meanwhile.
        _sweeper = new Timer(_ => SweepBridges(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void SweepBridges()
    {
        foreach (var name in _bridges.Names)
        {
            if (_bridges.TryGet(name, out var bridge))
            {
                bridge.Sweep();
            }
        }
    }
}
