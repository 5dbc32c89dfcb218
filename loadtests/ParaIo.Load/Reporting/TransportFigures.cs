using ParaIo.Load.Measurement;

namespace ParaIo.Load.Reporting;

/// <summary>Everything measured for one transport in one scenario.</summary>
/// <param name="Transport">"paraio", "socket", "eventfd" or "limit".</param>
/// <param name="Description">How it moved the messages.</param>
/// <param name="Latency">Round-trip distribution, for latency scenarios.</param>
/// <param name="Rate">Requests and bytes per second, for throughput scenarios.</param>
/// <param name="Counters">Event channel counters and checks from both sides, where the transport has them.</param>
/// <param name="Placement">For latency scenarios, the round trips split by same vCPU and across vCPUs.</param>
internal sealed record TransportFigures(
    string Transport,
    string Description,
    LatencyFigures? Latency = null,
    RateFigures? Rate = null,
    IReadOnlyDictionary<string, long>? Counters = null,
    PlacedLatency? Placement = null);
