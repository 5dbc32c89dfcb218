namespace ParaIo.Frontend.Devices;

/// <summary>A device type's frontend: sets up rings when the backend waits for them.</summary>
public interface IFrontendDriver
{
    /// <summary>The device type in store paths.</summary>
    string DeviceType { get; }

    /// <summary>
    /// Allocates and grants the device's rings and ports in the guest's memory and returns the
    /// device, with the keys to publish in its frontend directory.
    /// </summary>
    IFrontendDevice Connect(FrontendConnectContext context);
}
