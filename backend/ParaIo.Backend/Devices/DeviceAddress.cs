using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Devices;

/// <summary>One device of one guest: its domain, type (<c>loop</c>, <c>vif</c>, <c>vbd</c>) and device id.</summary>
public readonly record struct DeviceAddress(int Domain, string Type, int Id)
{
    /// <summary>The frontend directory in the store.</summary>
    public string FrontendPath => XenbusPaths.FrontendDirectory(Domain, Type, Id);

    /// <summary>The backend directory in the store.</summary>
    public string BackendPath => XenbusPaths.BackendDirectory(Domain, Type, Id);

    /// <inheritdoc />
    public override string ToString() => $"dom{Domain}/{Type}/{Id}";
}
