namespace ParaIo.Backend.Fabric;

/// <summary>
/// What carries the fabric's traffic (the port schedulers): told of every vNIC and vHBA as it is
/// made, changed and deleted, so that a service-level change takes effect while guests run. The
/// catalog calls it under its lock, in the order of the changes; it must not call the catalog back.
/// </summary>
public interface IFabricDataPath
{
    /// <summary>A vNIC was made (or was there at start).</summary>
    void VnicAdded(VnicRecord vnic);

    /// <summary>A vNIC's service level or classes changed.</summary>
    void VnicChanged(VnicRecord vnic);

    /// <summary>A vNIC was deleted.</summary>
    void VnicRemoved(VnicRecord vnic);

    /// <summary>A vHBA was made (or was there at start).</summary>
    void VhbaAdded(VhbaRecord vhba);

    /// <summary>A vHBA's service level changed.</summary>
    void VhbaChanged(VhbaRecord vhba);

    /// <summary>A vHBA was deleted.</summary>
    void VhbaRemoved(VhbaRecord vhba);
}
