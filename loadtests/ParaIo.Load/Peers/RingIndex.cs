namespace ParaIo.Load.Peers;

/// <summary>
/// Which ring of the one pool handoff serves which scenario. The parent creates them in this order
/// and the peer connects to each by index when the scenario's command arrives.
/// </summary>
internal static class RingIndex
{
    public const int RoundTripPolling = 0;
    public const int RoundTripBlocking = 1;
    public const int Throughput = 2;
    public const int ZeroCopy = 3;
    public const int Demo = 4;
    public const int Count = 5;
}
