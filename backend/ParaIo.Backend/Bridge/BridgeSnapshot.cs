namespace ParaIo.Backend.Bridge;

/// <summary>A bridge as it was at one instant, for <c>paraioctl bridge list|show</c>.</summary>
/// <param name="Name">The bridge's name.</param>
/// <param name="AgingTime">How long a learned address lives without frames.</param>
/// <param name="Ports">Its ports.</param>
/// <param name="Addresses">Its learned addresses.</param>
public sealed record BridgeSnapshot(string Name, TimeSpan AgingTime, IReadOnlyList<BridgePortSnapshot> Ports, IReadOnlyList<MacEntrySnapshot> Addresses);
