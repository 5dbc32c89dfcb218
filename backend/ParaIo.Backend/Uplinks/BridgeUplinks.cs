using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// The uplinks (TAP and VXLAN) of a <see cref="BridgeTable"/>'s bridges, by bridge and port name:
/// added from paraiod's configuration at start and by <c>paraioctl bridge uplink add|remove</c> at
/// run time. Thread-safe.
/// </summary>
public sealed class BridgeUplinks : IDisposable
{
    private readonly BridgeTable _bridges;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<UplinkPort> _uplinks = [];
    private bool _disposed;

    /// <summary>Creates an empty set over <paramref name="bridges"/>.</summary>
    public BridgeUplinks(BridgeTable bridges, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(bridges);
        _bridges = bridges;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The bridges the uplinks join.</summary>
    public BridgeTable Bridges => _bridges;

    /// <summary>The uplinks now, by bridge and name.</summary>
    public IReadOnlyList<UplinkPort> Uplinks
    {
        get
        {
            lock (_lock)
            {
                return [.. _uplinks.OrderBy(u => u.Bridge?.Name, StringComparer.Ordinal).ThenBy(u => u.Name, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Opens a TAP and puts it on the bridge named <paramref name="bridge"/> (created if need be).</summary>
    /// <exception cref="InvalidOperationException">The bridge has a port of that name already.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The TAP cannot be opened.</exception>
    public TapUplinkPort Add(string bridge, TapUplinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var port = Join(bridge, options.Tap, () => TapUplinkPort.Open(options, _logger));
        _logger.LogInformation(
            "Uplink {Tap} joined bridge {Bridge} ({Namespace}, {Vlan}, offloads {Offloads})",
            port.Name,
            bridge,
            port.NetworkNamespace is { } ns ? $"namespace {ns}" : "paraiod's namespace",
            port.Vlan,
            port.Device.Offloads);
        return port;
    }

    /// <summary>Binds a VXLAN tunnel's socket and puts the tunnel on the bridge named <paramref name="bridge"/> (created if need be).</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The bridge has a port of that name already.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The local endpoint cannot be bound.</exception>
    public VxlanUplinkPort Add(string bridge, VxlanUplinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var port = Join(bridge, options.Name, () => VxlanUplinkPort.Open(options, _logger));
        _logger.LogInformation(
            "Uplink {Port} joined bridge {Bridge} (VXLAN VNI {Vni}, {Local} to {Remote}, {Vlan})",
            port.Name,
            bridge,
            port.Vni,
            port.LocalEndPoint,
            port.Remote,
            port.Vlan);
        return port;
    }

    /// <summary>Takes the uplink <paramref name="name"/> off <paramref name="bridge"/> and closes it.</summary>
    /// <exception cref="KeyNotFoundException">There is no such uplink.</exception>
    public UplinkPort Remove(string bridge, string name)
    {
        UplinkPort port;
        lock (_lock)
        {
            port = _uplinks.FirstOrDefault(u => u.Name == name && u.Bridge?.Name == bridge)
                ?? throw new KeyNotFoundException($"bridge '{bridge}' has no uplink '{name}'");
            _uplinks.Remove(port);
        }

        port.Dispose();
        _logger.LogInformation("Uplink {Port} left bridge {Bridge}", name, bridge);
        return port;
    }

    /// <summary>The uplink port named <paramref name="name"/> on <paramref name="bridge"/>, or null.</summary>
    public UplinkPort? Find(string bridge, string name)
    {
        lock (_lock)
        {
            return _uplinks.FirstOrDefault(u => u.Name == name && u.Bridge?.Name == bridge);
        }
    }

    /// <summary>Closes every uplink.</summary>
    public void Dispose()
    {
        List<UplinkPort> ports;
        lock (_lock)
        {
            _disposed = true;
            ports = [.. _uplinks];
            _uplinks.Clear();
        }

        foreach (var port in ports)
        {
            port.Dispose();
        }
    }

    /// <summary>Opens a port named <paramref name="name"/>, puts it on the bridge and starts it; on any failure the port is closed again.</summary>
    private T Join<T>(string bridge, string name, Func<T> open)
        where T : UplinkPort
    {
        ArgumentException.ThrowIfNullOrEmpty(bridge);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var target = _bridges.GetOrCreate(bridge);
            if (target.Ports.Any(p => p.Name == name))
            {
                throw new InvalidOperationException($"Bridge {bridge} has a port named {name} already.");
            }

            var port = open();
            try
            {
                target.AddPort(port);
                port.Start();
            }
            catch
            {
                port.Dispose();
                throw;
            }

            _uplinks.Add(port);
            return port;
        }
    }
}
