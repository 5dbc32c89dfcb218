using System.Collections.Concurrent;
using System.ComponentModel;
using Microsoft.Extensions.Logging;
using ParaIo.Frontend.Devices;
using ParaIo.Frontend.Net;
using ParaIo.Protocol.Net;

namespace ParaIo.Guest.Net;

/// <summary>
/// paraio-guest's network: the vif frontend it registers with the agent, and one
/// <see cref="VifInterface"/> (a TAP in the guest's namespace) per vif. Each vif id gets its own
/// <see cref="NetFrontendDriver"/>, whose receiver is that vif's interface, so received frames
/// need no lookup; every (re)connect of the vif binds the interface to the new device. A removed
/// vif's interface is closed (<see cref="Remove"/>).
/// </summary>
internal sealed class GuestNetwork : IFrontendDriver, IDisposable
{
    private readonly ConcurrentDictionary<int, (NetFrontendDriver Driver, VifInterface Interface)> _vifs = new();
    private readonly ILoggerFactory _loggers;

    /// <summary>Creates the network of a guest.</summary>
    /// <param name="networkNamespace">The named namespace the TAPs are made in; null for this process's.</param>
    /// <param name="nameTemplate">The TAPs' name template (<c>eth%d</c>).</param>
    /// <param name="loggers">Loggers.</param>
    public GuestNetwork(string? networkNamespace, string nameTemplate, ILoggerFactory loggers)
    {
        NetworkNamespace = networkNamespace;
        NameTemplate = nameTemplate;
        _loggers = loggers;
    }

    /// <summary>The named namespace the interfaces are made in; null for paraio-guest's own.</summary>
    public string? NetworkNamespace { get; }

    /// <summary>The interfaces' name template.</summary>
    public string NameTemplate { get; }

    /// <inheritdoc />
    public string DeviceType => NetifProtocol.DeviceType;

    /// <inheritdoc />
    public IFrontendDevice Connect(FrontendConnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (driver, vif) = _vifs.GetOrAdd(context.Id, id =>
        {
            var created = new VifInterface(id, _loggers.CreateLogger($"ParaIo.Guest.Net.vif{id}"));
            return (new NetFrontendDriver(new NetFrontendOptions { Receiver = created.Deliver }), created);
        });
        var device = driver.ConnectNet(context);
        vif.Bind(device);
        return device;
    }

    /// <summary>
    /// Called when vif <paramref name="id"/> reaches Connected: makes its interface the first time.
    /// Returns the interface when it was made now, null when it existed already.
    /// </summary>
    /// <exception cref="Win32Exception">The interface cannot be made (not root, no such namespace).</exception>
    public VifInterface? OnConnected(int id, NetFrontDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!_vifs.TryGetValue(id, out var vif))
        {
            return null;
        }

        // The device the agent reports Connected is the one the pump must use (Connect bound it already).
        return vif.Interface.EnsureInterface(device.Backend, NameTemplate, NetworkNamespace) ? vif.Interface : null;
    }

    /// <summary>
    /// Removes vif <paramref name="id"/> (hot-unplug): its TAP is closed, so the interface leaves
    /// the guest's namespace, and a vif of that id added later starts afresh. Returns false when
    /// the guest had no such vif.
    /// </summary>
    public bool Remove(int id)
    {
        if (!_vifs.TryRemove(id, out var vif))
        {
            return false;
        }

        vif.Interface.Dispose();
        return true;
    }

    public void Dispose()
    {
        foreach (var (_, vif) in _vifs.Values)
        {
            vif.Dispose();
        }

        _vifs.Clear();
    }
}
