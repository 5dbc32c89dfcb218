using Microsoft.Extensions.Logging;
using ParaIo.Backend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Backend.Block;

/// <summary>
/// One connected virtual block device (BlkBack): one ring thread per queue (blkif multi-queue;
/// one queue unless the frontend set up several), each taking requests from its ring, checking
/// each one in private memory, mapping its grants and handing the transfer to the device's one
/// <see cref="ILun"/>, which reads into and writes from the guest's pages directly. Up to
/// <see cref="BlockBackendOptions.MaxInFlight"/> requests per queue are served at once; their
/// responses are written by the queue's ring thread and published in batches.
/// </summary>
/// <remarks>
/// <para>
/// A malformed request is answered ERROR or EOPNOTSUPP and counted (<see cref="BlockRejection"/>);
/// the device carries on. A request whose grants cannot be mapped — a data page or an indirect
/// page — is a protocol violation: that ring is failed, every queue finishes and answers the
/// requests it already took and takes no more, and the device stops with
/// <see cref="FailureReason"/>. (Linux's blkback is milder here: it answers such a request ERROR
/// and backs off for a millisecond. An honest frontend never names a grant it did not make, so
/// ParaIo disconnects instead, as DESIGN.md asks of every protocol violation; the ring's own
/// index violations stop it in both.)
/// </para>
/// <para>
/// The queues share the LUN and the <see cref="Counters"/>; each has its own request pool and
/// write epochs. A FLUSH on any queue covers every write acknowledged on any queue before it
/// arrived, and every write received before it on its own queue (see the blkif README).
/// </para>
/// </remarks>
public sealed class BlockBackendDevice : IBackendDevice
{
    private readonly BlockBackendRing[] _rings;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _halt = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _failure;
    private long _ioErrorsLogged;      // the count of I/O errors when one was last logged
    private long _ioErrorLoggedAt = long.MinValue / 2;
    private int _running;
    private int _disposed;

    internal BlockBackendDevice(IReadOnlyList<BackQueue<BlkifRequest, BlkifResponse>> queues, ILun lun, BackendConnectContext context, BlockBackendOptions options, bool persistent)
    {
        PersistentGrants = persistent;
        Lun = lun;
        _logger = context.Logger;
        Address = context.Address;
        _rings = new BlockBackendRing[queues.Count];
        for (var q = 0; q < _rings.Length; q++)
        {
            _rings[q] = new BlockBackendRing(this, q, queues[q], context.Mapper, context.Logger, options, persistent, _halt.Token);
        }

        BlockMetrics.Register(this, context.Address.ToString());
        _running = _rings.Length;
        foreach (var ring in _rings)
        {
            ring.Start();
        }
    }

    /// <summary>The device.</summary>
    public DeviceAddress Address { get; }

    /// <summary>Least time between two log lines about the LUN's I/O errors; those between are counted in the next.</summary>
    internal static readonly TimeSpan IoErrorLogInterval = TimeSpan.FromSeconds(10);

    /// <summary>The storage behind it.</summary>
    public ILun Lun { get; }

    /// <summary>
    /// Logs a LUN's failed read, write, flush or discard (the guest got ERROR): the first at once,
    /// then at most one line per <see cref="IoErrorLogInterval"/> with the count since, so a disk that
    /// fills up or a SAN that fails shows in the log without a line per request. Any thread.
    /// </summary>
    internal void ReportIoError(BlockWork work, long offset, Exception error)
    {
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _ioErrorLoggedAt);
        if (now - last < (long)IoErrorLogInterval.TotalMilliseconds || Interlocked.CompareExchange(ref _ioErrorLoggedAt, now, last) != last)
        {
            return;
        }

        var total = Counters.IoErrors;
        var since = total - Interlocked.Exchange(ref _ioErrorsLogged, total);
        _logger.LogWarning(
            "Block device {Device}: {Work} at byte {Offset} failed, answered ERROR: {Reason} ({Count} I/O error(s) since the last report, {Total} in all)",
            Address,
            work,
            offset,
            error.Message,
            since,
            total);
    }

    /// <summary>This device's counters, summed over its queues.</summary>
    public BlockBackendCounters Counters { get; } = new();

    /// <summary>True when the frontend negotiated <c>feature-persistent</c>: grants stay mapped between requests.</summary>
    public bool PersistentGrants { get; }

    /// <summary>Grants kept mapped now, over all queues (0 without persistent grants).</summary>
    public int KeptGrants => _rings.Sum(r => r.KeptGrants);

    /// <summary>Queues (rings) the frontend set up.</summary>
    public int QueueCount => _rings.Length;

    /// <inheritdoc />
    public Task Stopped => _stopped.Task;

    /// <inheritdoc />
    public string? FailureReason => _failure;

    /// <summary>Queue 0's index of the next request to take, for tests and diagnostics.</summary>
    public uint RequestConsumer => _rings[0].RequestConsumer;

    /// <summary>The index of the next request <paramref name="queue"/>'s ring thread will take, for tests and diagnostics.</summary>
    public uint RequestConsumerOf(int queue) => _rings[queue].RequestConsumer;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _halt.Cancel();
        foreach (var ring in _rings)
        {
            ring.Interrupt();
        }

        await _stopped.Task.ConfigureAwait(false);
        BlockMetrics.Unregister(this);
        foreach (var ring in _rings)
        {
            ring.Dispose();
        }

        _stop.Dispose();
        _halt.Dispose();
    }

    /// <summary>Stops every queue of the device for <paramref name="reason"/> (the first reason given is kept); any thread.</summary>
    internal void Fail(string reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        // Cancelling wakes ring threads asleep on their ports; each answers what it took, then stops.
        try
        {
            _halt.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile: every ring has stopped already.
        }
    }

    /// <summary>A ring thread has answered everything it took and stopped.</summary>
    internal void RingStopped()
    {
        if (Interlocked.Decrement(ref _running) != 0)
        {
            return;
        }

        if (_failure is not null && !_stop.IsCancellationRequested)
        {
            _logger.LogWarning("Block device {Device} stopped: {Reason}", Address, _failure);
        }

        _stopped.TrySetResult();
    }
}
