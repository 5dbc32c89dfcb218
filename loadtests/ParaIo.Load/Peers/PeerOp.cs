namespace ParaIo.Load.Peers;

/// <summary>What the parent asks the peer to serve next; each names one transport of one scenario.</summary>
internal enum PeerOp : uint
{
    Quit = 0,
    RingRoundTripPolling = 1,
    SocketRoundTrip = 2,
    LimitRoundTrip = 3,
    RingRoundTripBlocking = 4,
    EventFdRoundTrip = 5,
    RingThroughput = 6,
    SocketThroughput = 7,
    LimitThroughput = 8,
    RingZeroCopy = 9,
    SocketZeroCopy = 10,
    DemoBackend = 11,
}
