using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Net;

namespace ParaIo.Frontend.Net;

/// <summary>
/// The frontend of virtual network interfaces (<c>vif</c>, Xen's netfront): reads the backend's
/// features, sets up the queue pairs and returns a <see cref="NetFrontDevice"/>. The handshake
/// calls <see cref="Connect"/> again after every reconnect; <see cref="Connected"/> tells the
/// application about each new device.
/// </summary>
public sealed class NetFrontendDriver : IFrontendDriver
{
    private readonly NetFrontendOptions _options;
    private NetFrontDevice? _device;

    /// <summary>Creates the driver.</summary>
    public NetFrontendDriver(NetFrontendOptions? options = null)
    {
        _options = options ?? new NetFrontendOptions();
        _options.Validate();
    }

    /// <summary>Raised (on the handshake's thread) with each device set up.</summary>
    public event Action<NetFrontDevice>? Connected;

    /// <inheritdoc />
    public string DeviceType => NetifProtocol.DeviceType;

    /// <summary>The device of the latest connection, or null before the first.</summary>
    public NetFrontDevice? Device => Volatile.Read(ref _device);

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The backend's keys are malformed.</exception>
    public IFrontendDevice Connect(FrontendConnectContext context) => ConnectNet(context);

    /// <summary>As <see cref="Connect"/>, typed.</summary>
    public NetFrontDevice ConnectNet(FrontendConnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var backend = NetBackendInfo.Parse(context.BackendFeatures);
        var device = new NetFrontDevice(context, backend, _options);
        Volatile.Write(ref _device, device);
        Connected?.Invoke(device);
        return device;
    }
}
