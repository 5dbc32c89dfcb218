namespace ParaIo.Frontend.Devices;

/// <summary>
/// A frontend device that outlives its backend: when the backend goes away (paraiod restarts or
/// closes the device), the device is kept, and the next time a backend waits for it, it sets up
/// new rings in the same pool and sends again whatever the lost backend left unanswered.
/// </summary>
public interface IResumableFrontendDevice : IFrontendDevice
{
    /// <summary>
    /// Moves to a new backend: new rings (published through <see cref="IFrontendDevice.PublishedKeys"/>),
    /// every unanswered request sent again on them.
    /// </summary>
    /// <exception cref="InvalidDataException">The new backend's keys are malformed or offer less than the device relies on.</exception>
    void Resume(FrontendConnectContext context);
}
