using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// The TAP uplinks of a <see cref="BridgeTable"/>'s bridges, by bridge and TAP name: added from
/// paraiod's configuration at start and by <c>paraioctl bridge uplink add|remove</c> at run time.
/// Thread-safe.
/// </summary>
public sealed class BridgeUplinks : IDisposable
{
    private readonly BridgeTable _bridges;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<TapUplinkPort> _uplinks = [];
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
    public IReadOnlyList<TapUplinkPort> Uplinks
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
        ArgumentException.ThrowIfNullOrEmpty(bridge);
        ArgumentNullException.ThrowIfNull(options);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var target = _bridges.GetOrCreate(bridge);
            if (target.Ports.Any(p => p.Name == options.Tap))
            {
                throw new InvalidOperationException($"Bridge {bridge} has a port named {options.Tap} already.");
            }

            var port = TapUplinkPort.Open(options, _logger);
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
            _logger.LogInformation(
                "Uplink {Tap} joined bridge {Bridge} ({Namespace}, {Vlan}, offloads {Offloads})",
                port.Name,
                bridge,
                port.NetworkNamespace is { } ns ? $"namespace {ns}" : "paraiod's namespace",
                port.Vlan,
                port.Device.Offloads);
            return port;
        }
    }

    /// <summary>Takes the uplink <paramref name="tap"/> off <paramref name="bridge"/> and closes its TAP.</summary>
    /// <exception cref="KeyNotFoundException">There is no such uplink.</exception>
    public TapUplinkPort Remove(string bridge, string tap)
    {
        TapUplinkPort port;
        lock (_lock)
        {
            port = _uplinks.FirstOrDefault(u => u.Name == tap && u.Bridge?.Name == bridge)
                ?? throw new KeyNotFoundException($"bridge '{bridge}' has no uplink '{tap}'");
            _uplinks.Remove(port);
        }

        port.Dispose();
        _logger.LogInformation("Uplink {Tap} left bridge {Bridge}", tap, bridge);
        return port;
    }

    /// <summary>The uplink port named <paramref name="name"/> on <paramref name="bridge"/>, or null.</summary>
    public TapUplinkPort? Find(string bridge, string name)
    {
        lock (_lock)
        {
            return _uplinks.FirstOrDefault(u => u.Name == name && u.Bridge?.Name == bridge);
        }
    }

    /// <summary>Closes every uplink.</summary>
    public void Dispose()
    {
        List<TapUplinkPort> ports;
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
}
