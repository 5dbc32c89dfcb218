namespace ParaIo.Backend.Devices;

/// <summary>
/// A device type's backend (the one interface net and block drivers plug in through). The
/// handshake calls it; it never touches the store itself.
/// </summary>
public interface IBackendDriver
{
    /// <summary>The device type in store paths.</summary>
    string DeviceType { get; }

    /// <summary>Feature keys written to the backend directory before it enters InitWait.</summary>
    IReadOnlyDictionary<string, string> Features { get; }

    /// <summary>
    /// Maps the rings the frontend published and starts serving them. Throws
    /// <see cref="DeviceRejectedException"/> (or a grant refusal) when the frontend's keys are bad;
    /// the handshake then closes that one device with the reason in the log.
    /// </summary>
    Task<IBackendDevice> ConnectAsync(BackendConnectContext context, CancellationToken cancellationToken);
}
