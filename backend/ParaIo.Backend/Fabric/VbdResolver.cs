using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Storage;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// The LUN behind a <c>vbd</c> device, for <see cref="BlockBackendDriver"/>: a catalog disk
/// (<c>disk=NAME</c>), or a LUN reached through a vHBA (<c>vhba=NAME,lun=LUN</c>) after the
/// masking check.
/// </summary>
public sealed class VbdResolver
{
    private readonly DiskCatalog _disks;
    private readonly FabricRuntime _fabric;

    /// <summary>Creates the resolver over the daemon's disks and fabric.</summary>
    public VbdResolver(DiskCatalog disks, FabricRuntime fabric)
    {
        _disks = disks;
        _fabric = fabric;
    }

    /// <summary>The device's LUN; null when it names neither (the driver refuses it).</summary>
    /// <exception cref="DeviceRejectedException">A vHBA device whose LUN it may not see, or cannot be reached.</exception>
    public ILun? Resolve(DeviceAddress address, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.TryGetValue(BlockBackendDriver.VhbaSetting, out var vhba))
        {
            return settings.TryGetValue(BlockBackendDriver.LunSetting, out var lun)
                ? _fabric.OpenLun(vhba, lun)
                : throw new DeviceRejectedException($"{address} names vHBA '{vhba}' but no LUN (lun=NAME)");
        }

        return settings.TryGetValue(BlockBackendDriver.DiskSetting, out var disk) ? _disks.Open(disk) : null;
    }
}
