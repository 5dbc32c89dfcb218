using ParaIo.Backend.Block;
using ParaIo.Backend.Domains;
using ParaIo.Backend.Net;
using ParaIo.Protocol.Block;
using ParaIo.Protocol.Net;

namespace ParaIo.Backend.Fabric;

/// <summary>How domain devices name the fabric: <c>vif,vnic=NAME</c> and <c>vbd,vhba=NAME,lun=LUN</c>.</summary>
public static class FabricDevices
{
    /// <summary>The device text of a vif bound to <paramref name="vnic"/>.</summary>
    public static string Vif(string vnic) => $"{NetifProtocol.DeviceType},{VifSettings.VnicSetting}={vnic}";

    /// <summary>The device text of a disk reached through <paramref name="vhba"/>.</summary>
    public static string Vbd(string vhba, string lun) => $"{BlkifProtocol.DeviceType},{BlockBackendDriver.VhbaSetting}={vhba},{BlockBackendDriver.LunSetting}={lun}";

    /// <summary>The vNIC a device is bound to, or null.</summary>
    public static string? VnicOf(DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Type == NetifProtocol.DeviceType && device.EffectiveSettings.TryGetValue(VifSettings.VnicSetting, out var vnic) ? vnic : null;
    }

    /// <summary>The vHBA a device reaches its disk through, or null.</summary>
    public static string? VhbaOf(DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Type == BlkifProtocol.DeviceType && device.EffectiveSettings.TryGetValue(BlockBackendDriver.VhbaSetting, out var vhba) ? vhba : null;
    }

    /// <summary>The LUN a device reaches through a vHBA, or null.</summary>
    public static string? LunOf(DeviceSpec device) =>
        VhbaOf(device) is not null && device.EffectiveSettings.TryGetValue(BlockBackendDriver.LunSetting, out var lun) ? lun : null;
}
