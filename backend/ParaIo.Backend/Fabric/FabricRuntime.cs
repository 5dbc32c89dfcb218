using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// The fabric at work: the catalog's vNICs and vHBAs as flows in their ports' schedulers, kept in
/// step with every change so that service levels change while guests run, and the LUNs vHBA
/// devices reach, after the masking check.
/// </summary>
public sealed class FabricRuntime : IFabricDataPath, IDisposable
{
    private readonly FabricCatalog _catalog;
    private readonly VhbaPorts _vhbaPorts;

    /// <summary>Creates every port's scheduler and a flow for every vNIC and vHBA of <paramref name="catalog"/>, then follows its changes.</summary>
    public FabricRuntime(FabricCatalog catalog, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _vhbaPorts = new VhbaPorts(catalog.Configuration, timeProvider);
        catalog.AttachDataPath(this);
    }

    /// <summary>The fabric this runtime carries.</summary>
    public FabricCatalog Catalog => _catalog;

    /// <summary>The VHBA ports' schedulers and the vHBAs' flows.</summary>
    public VhbaPorts VhbaPorts => _vhbaPorts;

    /// <summary>
    /// The LUN behind <c>vbd,vhba=<paramref name="vhba"/>,lun=<paramref name="lun"/></c>: refused
    /// unless the LUN is masked to the vHBA's WWPN, checked at every connect.
    /// </summary>
    /// <exception cref="DeviceRejectedException">No such vHBA or LUN, not masked, disk unavailable, or the vHBA's port is not configured.</exception>
    public ILun OpenLun(string vhba, string lun)
    {
        var (record, disk) = _catalog.OpenLun(vhba, lun);
        _ = _vhbaPorts.Flow(vhba) ?? throw new DeviceRejectedException($"vHBA '{vhba}' is on port {record.Port}, which this paraiod's configuration does not have");
        return disk;
    }

    /// <summary>The counters of a port: what its scheduler sent and its rate; null for a port without a scheduler yet.</summary>
    public QosNodeSnapshot? PortCounters(FabricPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return _vhbaPorts.Port(port.Address) is { } scheduler ? scheduler.GetSnapshot(scheduler.Port) : null;
    }

    /// <summary>The counters of a vHBA's flow, or null when it has none.</summary>
    public QosNodeSnapshot? VhbaCounters(string vhba) => _vhbaPorts.Flow(vhba) is { } flow ? flow.Scheduler.GetSnapshot(flow) : null;

    /// <inheritdoc />
    public void VnicAdded(VnicRecord vnic)
    {
    }

    /// <inheritdoc />
    public void VnicChanged(VnicRecord vnic)
    {
    }

    /// <inheritdoc />
    public void VnicRemoved(VnicRecord vnic)
    {
    }

    /// <inheritdoc />
    public void VhbaAdded(VhbaRecord vhba) => _vhbaPorts.Add(vhba);

    /// <inheritdoc />
    public void VhbaChanged(VhbaRecord vhba) => _vhbaPorts.Update(vhba);

    /// <inheritdoc />
    public void VhbaRemoved(VhbaRecord vhba) => _vhbaPorts.Remove(vhba);

    /// <summary>Stops the ports' schedulers.</summary>
    public void Dispose() => _vhbaPorts.Dispose();
}
