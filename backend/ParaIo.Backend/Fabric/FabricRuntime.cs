using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Net;
using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// The fabric at work: each VNIC port an <see cref="EgressShaper"/> with a flow a vNIC, each VHBA
/// port a <see cref="PortScheduler"/> with a flow a vHBA, kept in step with every change of the
/// catalog so that service levels change while guests run; the directory NetBack binds
/// <c>vif,vnic=NAME</c> through; and the LUNs vHBA devices reach, after the masking check, behind
/// their vHBA's gate.
/// </summary>
public sealed class FabricRuntime : IFabricDataPath, IDisposable
{
    private readonly FabricCatalog _catalog;
    private readonly VnicPorts _vnicPorts;
    private readonly VhbaPorts _vhbaPorts;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Vhba, string Lun), (ILun Disk, GatedLun Gate)> _gates = [];

    /// <summary>Creates every port's shaper or scheduler and a flow for every vNIC and vHBA of <paramref name="catalog"/>, then follows its changes.</summary>
    public FabricRuntime(FabricCatalog catalog, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _vnicPorts = new VnicPorts(catalog.Configuration, timeProvider);
        _vhbaPorts = new VhbaPorts(catalog.Configuration, timeProvider);
        catalog.AttachDataPath(this);
    }

    /// <summary>The fabric this runtime carries.</summary>
    public FabricCatalog Catalog => _catalog;

    /// <summary>The VNIC ports' shapers and the vNICs' flows: the directory for NetBack.</summary>
    public VnicPorts VnicPorts => _vnicPorts;

    /// <summary>The VHBA ports' schedulers and the vHBAs' flows.</summary>
    public VhbaPorts VhbaPorts => _vhbaPorts;

    /// <summary>
    /// The LUN behind <c>vbd,vhba=<paramref name="vhba"/>,lun=<paramref name="lun"/></c>: refused
    /// unless the LUN is masked to the vHBA's WWPN, checked at every connect; served behind the
    /// vHBA's gate (one a vHBA and LUN, shared by every device that uses the pair).
    /// </summary>
    /// <exception cref="DeviceRejectedException">No such vHBA or LUN, not masked, disk unavailable, or the vHBA's port is not configured.</exception>
    public ILun OpenLun(string vhba, string lun)
    {
        var (record, disk) = _catalog.OpenLun(vhba, lun);
        var flow = _vhbaPorts.Flow(vhba) ?? throw new DeviceRejectedException($"vHBA '{vhba}' is on port {record.Port}, which this paraiod's configuration does not have");
        lock (_lock)
        {
            if (_gates.TryGetValue((vhba, lun), out var open) && open.Disk == disk && open.Gate.Flow == flow && !open.Gate.IsClosed)
            {
                return open.Gate;
            }

            // A vHBA made again, or a disk opened again, gets a new gate; the old one fails its waiters.
            open.Gate?.Close();
            var gate = new GatedLun(disk, flow);
            _gates[(vhba, lun)] = (disk, gate);
            return gate;
        }
    }

    /// <summary>The counters of a port: what its scheduler sent and its rate; null for a port the configuration does not have.</summary>
    public QosNodeSnapshot? PortCounters(FabricPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        var scheduler = port.Kind == FabricModuleKind.Vnic ? _vnicPorts.Shaper(port.Address)?.Scheduler : _vhbaPorts.Port(port.Address);
        return scheduler?.GetSnapshot(scheduler.Port);
    }

    /// <summary>The counters of a vNIC's egress and its classes, or null when it has no flow.</summary>
    public ShapedFlowSnapshot? VnicCounters(string vnic) => _vnicPorts.Find(vnic)?.Egress?.Snapshot();

    /// <summary>The counters of a vHBA's flow, or null when it has none.</summary>
    public QosNodeSnapshot? VhbaCounters(string vhba) => _vhbaPorts.Flow(vhba) is { } flow ? flow.Scheduler.GetSnapshot(flow) : null;

    /// <inheritdoc />
    public void VnicAdded(VnicRecord vnic) => _vnicPorts.Add(vnic);

    /// <inheritdoc />
    public void VnicChanged(VnicRecord vnic) => _vnicPorts.Update(vnic);

    /// <inheritdoc />
    public void VnicRemoved(VnicRecord vnic) => _vnicPorts.Remove(vnic);

    /// <inheritdoc />
    public void VhbaAdded(VhbaRecord vhba) => _vhbaPorts.Add(vhba);

    /// <inheritdoc />
    public void VhbaChanged(VhbaRecord vhba) => _vhbaPorts.Update(vhba);

    /// <inheritdoc />
    public void VhbaRemoved(VhbaRecord vhba)
    {
        ArgumentNullException.ThrowIfNull(vhba);
        lock (_lock)
        {
            foreach (var key in _gates.Keys.Where(k => k.Vhba == vhba.Name).ToList())
            {
                _gates.Remove(key, out var open);
                open.Gate.Close();
            }
        }

        _vhbaPorts.Remove(vhba);
    }

    /// <summary>Closes the gates and stops the ports' shapers and schedulers.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (_, gate) in _gates.Values)
            {
                gate.Close();
            }

            _gates.Clear();
        }

        _vnicPorts.Dispose();
        _vhbaPorts.Dispose();
    }
}
