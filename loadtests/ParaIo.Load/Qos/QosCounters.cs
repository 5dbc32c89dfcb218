using System.Diagnostics;
using System.Text.Json;
using ParaIo.Store.Client;
using ParaIo.Store.Server;

namespace ParaIo.Load.Qos;

/// <summary>
/// Reads the flows' egress byte counters from paraiod over its store socket (<c>vnic-list</c>, the
/// control command <c>paraioctl vnic list --json</c> sends), without a process per reading: a
/// class's bytes, or a whole vNIC's.
/// </summary>
internal sealed class QosCounters : IAsyncDisposable
{
    private readonly StoreClient _store;
    private readonly IReadOnlyList<QosFlow> _flows;
    private readonly long _origin = Stopwatch.GetTimestamp();

    private QosCounters(StoreClient store, IReadOnlyList<QosFlow> flows)
    {
        _store = store;
        _flows = flows;
    }

    public static async Task<QosCounters> ConnectAsync(string socketPath, IReadOnlyList<QosFlow> flows, CancellationToken cancellation) =>
        new(await StoreClient.ConnectAsync(socketPath, StoreAuthenticators.Dom0Name, cancellationToken: cancellation).ConfigureAwait(false), flows);

    /// <summary>Seconds since this reader was made: the time axis of its samples.</summary>
    public double Now => Stopwatch.GetElapsedTime(_origin).TotalSeconds;

    /// <summary>Reads every flow's bytes now.</summary>
    public async Task<QosSample> ReadAsync(CancellationToken cancellation)
    {
        var reply = await _store.ControlAsync(["vnic-list"], cancellation).ConfigureAwait(false);
        var at = Now;
        using var document = JsonDocument.Parse(reply);
        var root = document.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            throw new InvalidOperationException($"vnic-list failed: {root.GetProperty("message").GetString()}");
        }

        var vnics = root.GetProperty("result").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("counters"));
        var bytes = new long[_flows.Count];
        for (var i = 0; i < bytes.Length; i++)
        {
            var flow = _flows[i];
            var counters = vnics.TryGetValue(flow.Vnic, out var c) && c.ValueKind == JsonValueKind.Object
                ? c
                : throw new InvalidDataException($"vNIC {flow.Vnic} has no counters: it has no flow on its port's shaper.");
            bytes[i] = flow.Class is null
                ? counters.GetProperty("bytes").GetInt64()
                : counters.GetProperty("classes").EnumerateArray().Single(k => k.GetProperty("name").GetString() == flow.Class).GetProperty("bytes").GetInt64();
        }

        return new QosSample(at, bytes);
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
