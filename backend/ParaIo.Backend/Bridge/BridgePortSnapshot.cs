namespace ParaIo.Backend.Bridge;

/// <summary>One port's membership and counters at one instant.</summary>
/// <param name="Name">The port's name.</param>
/// <param name="Vlan">Its VLAN membership, as text (<c>access 1</c>, <c>trunk 10,20 native 1</c>).</param>
/// <param name="RxFrames">Frames it brought in.</param>
/// <param name="RxBytes">Bytes it brought in.</param>
/// <param name="TxFrames">Frames handed to it.</param>
/// <param name="TxBytes">Bytes handed to it.</param>
/// <param name="RxDropped">Frames from it the bridge dropped.</param>
/// <param name="TxDropped">Frames for it that it refused.</param>
/// <param name="Flooded">Frames from it that were flooded.</param>
public sealed record BridgePortSnapshot(string Name, string Vlan, long RxFrames, long RxBytes, long TxFrames, long TxBytes, long RxDropped, long TxDropped, long Flooded);
