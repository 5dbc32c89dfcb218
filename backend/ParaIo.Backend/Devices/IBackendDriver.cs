namespace ParaIo.Backend.Devices;

/// <summary>
/// A device type's backend (the one interface net and block drivers plug in through). The
/// handshake calls it; it never touches the store itself.
/// </summary>
public interface IBackendDriver
{
    /// <summary>The device type in store paths.</summary>
    string DeviceType { get; }

    /// <summary>
    /// Checks the operator's settings for a new device of this type (the <c>key=value</c> pairs
    /// after <c>TYPE[:ID]</c>) before the device is created.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is unknown, missing or malformed; the message says which.</exception>
    void ValidateSettings(IReadOnlyDictionary<string, string> settings);

    /// <summary>
    /// The keys of one device's backend directory, written before it enters InitWait: the
    /// driver's features and what belongs to this device alone (a disk's size, a vif's MAC).
    /// </summary>
    /// <exception cref="DeviceRejectedException">The device cannot be served now (its disk is gone); it stays Closed with the reason logged.</exception>
    IReadOnlyDictionary<string, string> BackendKeys(DeviceAddress address, IReadOnlyDictionary<string, string> settings);

    /// <summary>
    /// Maps the rings the frontend published and starts serving them. Throws
    /// <see cref="DeviceRejectedException"/> (or a grant refusal) when the frontend's keys are bad;
    /// the handshake then closes that one device with the reason in the log.
    /// </summary>
    Task<IBackendDevice> ConnectAsync(BackendConnectContext context, CancellationToken cancellationToken);
}
