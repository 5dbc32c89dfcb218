using Microsoft.Extensions.Logging;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Qos;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Backend.Net;

/// <summary>
/// One connected virtual network interface (NetBack): a port on a <see cref="SoftwareBridge"/>
/// and one tx/rx ring pair per queue. Each queue's tx thread takes the guest's frames, checks
/// them in private memory and forwards them to the bridge straight from the mapped pages; frames
/// the bridge hands the port are copied into buffers the guest posted on the rx ring of the
/// frame's flow — the only copy on the path.
/// </summary>
/// <remarks>
/// <para>
/// Malformed tx frames (<see cref="NetTxMalformed"/>) are answered ERROR and counted; the rules
/// Linux's netback treats as a malicious frontend — more than 20 slots, a slot across its page,
/// a frame published in part, a bad extra-info slot, a ring overrun — stop the device with
/// <see cref="FailureReason"/>. A frame for the guest that finds too few posted buffers waits in
/// its queue's backlog, bounded by <see cref="NetBackendOptions.RxBacklogBytes"/> and
/// <see cref="NetBackendOptions.RxBacklogFrames"/> (Linux netback's <c>rx_queue_max</c>), and
/// reaches the guest in order once it posts buffers; a frame that finds the backlog full is
/// dropped and counted (<see cref="NetRxDrop"/>), and so is a backlog the guest leaves untaken for
/// <see cref="NetBackendOptions.RxStallTimeout"/>.
/// </para>
/// <para>
/// Threads: per queue, a tx thread and an rx thread. The bridge calls the port on the thread of
/// the frame's source port, which copies the frame into the guest's buffers or the backlog and
/// never waits; each rx ring is driven under its own lock. The rx thread sleeps on the rx ring's
/// request port while frames wait and drains them when the guest posts buffers.
/// </para>
/// </remarks>
public sealed class NetBackendDevice : IBackendDevice
{
    private readonly VifQueue[] _queues;
    private readonly SoftwareBridge _bridge;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private string? _failure;
    private int _disposed;

    internal NetBackendDevice(
        BackendConnectContext context,
        VifSettings settings,
        VifFeatures features,
        SoftwareBridge bridge,
        IReadOnlyList<(BackQueue<NetifTxRequest, NetifTxResponse> Tx, BackQueue<NetifRxRequest, NetifRxResponse> Rx)> queues,
        NetBackendOptions options,
        ShapedFlow? egress)
    {
        Address = context.Address;
        Egress = egress;
        Settings = settings;
        Features = features;
        Options = options;
        _logger = context.Logger;
        _bridge = bridge;
        _queues = new VifQueue[queues.Count];
        for (var i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new VifQueue(this, i, queues[i].Tx, queues[i].Rx, context.Mapper);
        }

        Port = new VifPort(this, $"vif{context.Address.Domain}.{context.Address.Id}", VlanConfig.Access(settings.Vlan));
        bridge.AddPort(Port);
        _running = _queues.Length;
        foreach (var queue in _queues)
        {
            queue.Start();
        }
    }

    /// <summary>The device.</summary>
    public DeviceAddress Address { get; }

    /// <summary>Its MAC, bridge, MTU and VLAN.</summary>
    public VifSettings Settings { get; }

    /// <summary>What the frontend offered.</summary>
    public VifFeatures Features { get; }

    /// <summary>Its port on the bridge.</summary>
    public BridgePort Port { get; }

    /// <summary>The vNIC's shaper flow its transmitted frames go through, or null when they go straight to the bridge.</summary>
    public ShapedFlow? Egress { get; }

    /// <summary>The bridge it is on.</summary>
    public SoftwareBridge Bridge => _bridge;

    /// <summary>Queue pairs in use.</summary>
    public int QueueCount => _queues.Length;

    /// <summary>This vif's counters.</summary>
    public NetBackendCounters Counters { get; } = new();

    /// <inheritdoc />
    public Task Stopped => _stopped.Task;

    /// <inheritdoc />
    public string? FailureReason => Volatile.Read(ref _failure);

    /// <summary>Test hook: when false, tx frames are forwarded without the malformed-frame checks (a broken control).</summary>
    internal bool ValidateTx { get; set; } = true;

    internal NetBackendOptions Options { get; }

    internal CancellationToken StopToken => _stop.Token;

    internal bool Stopping => Volatile.Read(ref _failure) is not null || _stop.IsCancellationRequested;

    /// <summary>Frames waiting in the queues' backlogs for rx buffers, for tests and diagnostics.</summary>
    public int RxBacklogFrames => _queues.Sum(q => q.BacklogFrames);

    /// <summary>Bytes of backlog storage the queues hold, for tests and diagnostics.</summary>
    public int RxBacklogStorageBytes => _queues.Sum(q => q.BacklogStorageBytes);

    /// <summary>Grants each queue keeps mapped, tx and rx, for tests and diagnostics.</summary>
    public int PersistentGrants => _queues.Sum(q => q.PersistentGrants);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        foreach (var queue in _queues)
        {
            queue.Interrupt();
        }

        await _stopped.Task.ConfigureAwait(false);
        _bridge.RemovePort(Port);
        foreach (var queue in _queues)
        {
            queue.Close(); // waits out a delivery in progress, then unmaps
        }

        _stop.Dispose();
    }

    /// <summary>Stops the device for a protocol violation; the first reason stays.</summary>
    internal void Fail(string reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is null)
        {
            _logger.LogWarning("Network device {Device} stopped: {Reason}", Address, reason);
            foreach (var queue in _queues)
            {
                queue.Interrupt();
            }
        }
    }

    internal void TxThreadEnded()
    {
        if (Interlocked.Decrement(ref _running) == 0)
        {
            _stopped.TrySetResult();
        }
    }

    internal void LogError(Exception e, string what) => _logger.LogError(e, "Network device {Device}: {What}", Address, what);

    /// <summary>Hands a frame from the bridge to the rx ring of its flow.</summary>
    internal bool Receive(in EgressFrame frame)
    {
        if (Stopping)
        {
            Counters.CountRxDrop(NetRxDrop.Stopped);
            return false;
        }

        var queue = 0;
        if (_queues.Length > 1)
        {
            Span<byte> header = stackalloc byte[NetifFlowHash.HeaderBytes];
            var length = Math.Min(header.Length, frame.Length);
            frame.CopyTo(0, header[..length]);
            queue = NetifFlowHash.Queue(header[..length], _queues.Length);
        }

        return _queues[queue].Deliver(frame);
    }
}
