using ParaIo.Backend.Domains;

namespace ParaIo.Backend.Fabric;

/// <summary>Changes a domain's devices, as <see cref="DomainManager.ChangeDevicesAsync"/> does.</summary>
/// <param name="domain">The domain.</param>
/// <param name="change">The new device list from the current one.</param>
/// <param name="cancellation">Cancels the change.</param>
public delegate Task<DomainRecord> DomainDeviceChange(string domain, Func<IReadOnlyList<DeviceSpec>, IReadOnlyList<DeviceSpec>> change, CancellationToken cancellation);
