using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ParaIo.Backend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Events;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.Backend.Block;

/// <summary>
/// One ring of a block device (a blkif queue): a thread that takes requests from the guest's
/// ring, checks each one in private memory, maps its grants and hands the transfer to the
/// device's <see cref="ILun"/>, which reads into and writes from the guest's pages directly. Up
/// to <see cref="BlockBackendOptions.MaxInFlight"/> requests of this ring are served at once;
/// their responses are written by the ring thread and published in batches.
/// </summary>
/// <remarks>
/// <para>
/// A malformed request is answered ERROR or EOPNOTSUPP and counted (<see cref="BlockRejection"/>);
/// the ring carries on. A request whose grants cannot be mapped — a data page or an indirect
/// page — is a protocol violation: this ring is failed, and the whole device stops (every ring
/// finishes and answers the requests it already took, then takes no more).
/// </para>
/// <para>
/// Threads: the ring thread alone touches the ring, the request pool and this ring's write epochs.
/// A LUN that completes asynchronously finishes its request on its own thread (unmap, leave the
/// write epoch), queues it, and rings this ring's request port so a sleeping ring thread wakes to
/// answer it.
/// </para>
/// <para>
/// FLUSH and the other rings: the epochs are per ring, so a FLUSH waits for the writes still in
/// flight on its own ring. Writes acknowledged on any ring have completed in the LUN (the response
/// is written only after the LUN's write returned), so the fsync the FLUSH issues after its epochs
/// drain covers them too: Xen's promise, that a FLUSH makes durable every write completed before
/// it was sent, holds across rings. Writes still in flight on another ring when the FLUSH arrives
/// are not waited for; a guest cannot have seen them complete, so it cannot rely on them.
/// </para>
/// </remarks>
internal sealed class BlockBackendRing
{
    private const int IdleTimeoutMs = 1000;
    private const int DrainTimeoutMs = 100;

    private readonly BlockBackendDevice _device;
    private readonly BackQueue<BlkifRequest, BlkifResponse> _queue;
    private readonly GrantMapper _mapper;
    private readonly GrantCache? _persistent;
    private readonly ILun _lun;
    private readonly ILogger _logger;
    private readonly BlockBackendOptions _options;
    private readonly BlockBackendCounters _counters;
    private readonly int _requestCount;
    private readonly Stack<BlockRequest> _free;
    private readonly ConcurrentQueue<BlockRequest> _completed = new();
    private readonly WriteEpochs _epochs = new();
    private readonly CancellationToken _halt;
    private readonly Thread _worker;
    private int _workerIdle;
    private bool _faultReported;

    public BlockBackendRing(BlockBackendDevice device, int index, BackQueue<BlkifRequest, BlkifResponse> queue, GrantMapper mapper, ILogger logger, BlockBackendOptions options, bool persistent, CancellationToken halt)
    {
        _device = device;
        Index = index;
        _queue = queue;
        _mapper = mapper;
        // Persistent grants are writable (the frontend's promise), so one mapping serves reads and writes.
        _persistent = persistent ? new GrantCache(mapper, GrantAccess.Write, persistent: true, options.MaxPersistentGrants) : null;
        _lun = device.Lun;
        _counters = device.Counters;
        _logger = logger;
        _options = options;
        _halt = halt;
        _requestCount = options.MaxInFlight;
        _free = new Stack<BlockRequest>(_requestCount);
        Action<BlockRequest> completed = IoCompleted;
        for (var i = 0; i < _requestCount; i++)
        {
            _free.Push(new BlockRequest(completed));
        }

        _worker = new Thread(Serve) { IsBackground = true, Name = $"vbd {device.Address} q{index}" };
    }

    /// <summary>The queue's number (its keys are under <c>queue-N/</c> when the device has several).</summary>
    public int Index { get; }

    /// <summary>Grants kept mapped now (persistent grants only).</summary>
    public int KeptGrants => _persistent?.Count ?? 0;

    /// <summary>The ring's index of the next request to take.</summary>
    public uint RequestConsumer => _queue.Ring.RequestConsumer;

    public void Start() => _worker.Start();

    /// <summary>Wakes the ring thread if it sleeps (the device is stopping).</summary>
    public void Interrupt() => _queue.Requests.Interrupt();

    /// <summary>Releases the ring; only once its thread has stopped.</summary>
    public void Dispose() => _queue.Dispose();

    private bool Stopping => _halt.IsCancellationRequested;

    private void Serve()
    {
        var ring = _queue.Ring;
        try
        {
            while (true)
            {
                var progressed = AnswerCompleted();
                while (!Stopping && _free.Count > 0 && ring.TryConsumeRequest(out var request))
                {
                    Dispatch(ref request);
                    progressed = true;
                }

                // One publish (and at most one notify) for everything answered in this pass.
                _queue.Push();
                if (ring.Fault is { } fault && !_faultReported)
                {
                    _faultReported = true;
                    _device.Fail(fault.Reason);
                }

                if (Stopping && _free.Count == _requestCount)
                {
                    break; // every request taken has been answered
                }

                if (!progressed)
                {
                    Idle(ring);
                }
            }
        }
        catch (Exception e)
        {
            // Nothing a guest sends should get here; if something does, the device dies, not the daemon.
            _device.Fail("the block backend's ring thread failed: " + e.Message);
            _logger.LogError(e, "Block device {Device}: ring {Queue} thread failed", _device.Address, Index);
            WaitForInFlight();
        }
        finally
        {
            // Every transfer has completed: nothing uses the kept pages any more.
            _persistent?.Clear();
            _device.RingStopped();
        }
    }

    /// <summary>Sleeps until the guest publishes requests or a transfer completes.</summary>
    private void Idle(BackRing<BlkifRequest, BlkifResponse> ring)
    {
        // Full fence (exchange): _workerIdle is stored before the completion queue is read. A
        // completing thread enqueues, fences, then reads _workerIdle, so either we see its request
        // here or it sees us idle and rings the doorbell (Dekker).
        Interlocked.Exchange(ref _workerIdle, 1);
        try
        {
            if (!_completed.IsEmpty)
            {
                return;
            }

            if (Stopping || _free.Count == 0)
            {
                // Only completions can move us on; they ring the doorbell.
                _queue.Requests.Wait(_options.Spin, DrainTimeoutMs);
                return;
            }

            if (!ring.FinalCheckForRequests())
            {
                _queue.Requests.Wait(_options.Spin, IdleTimeoutMs, _halt);
            }
        }
        finally
        {
            Volatile.Write(ref _workerIdle, 0);
        }
    }

    /// <summary>Writes the responses of transfers that completed off the ring thread.</summary>
    private bool AnswerCompleted()
    {
        var any = false;
        while (_completed.TryDequeue(out var request))
        {
            Answer(request);
            any = true;
        }

        return any;
    }

    /// <summary>Checks one request (already a private copy) and starts it, or answers it at once.</summary>
    private void Dispatch(ref BlkifRequest request)
    {
        var work = _free.Pop();
        work.Reset();
        work.Id = request.Id;
        work.ResponseOperation = request.Operation;
        var verdict = request.Operation switch
        {
            BlkifOperation.Read => PrepareDirect(ref request, work, BlockWork.Read),
            BlkifOperation.Write => PrepareDirect(ref request, work, BlockWork.Write),
            BlkifOperation.FlushDiskCache => PrepareFlush(ref request, work),
            BlkifOperation.Discard => PrepareDiscard(ref BlkifProtocol.AsDiscard(ref request), work),
            BlkifOperation.Indirect => PrepareIndirect(ref BlkifProtocol.AsIndirect(ref request), work),
            _ => Reject(work, BlockRejection.UnknownOperation),
        };

        switch (verdict)
        {
            case Verdict.Start:
                Start(work);
                break;
            case Verdict.Answer:
                Answer(work);
                break;
            default:
                // A fatal violation: the request is not answered; the device stops.
                _free.Push(work);
                break;
        }
    }

    private Verdict PrepareDirect(ref BlkifRequest request, BlockRequest work, BlockWork kind)
    {
        if (kind == BlockWork.Read)
        {
            _counters.CountRead();
        }
        else
        {
            _counters.CountWrite();
        }

        if (request.SegmentCount is 0 or > BlkifProtocol.MaxSegmentsPerRequest)
        {
            return Reject(work, BlockRejection.SegmentCount);
        }

        ReadOnlySpan<BlkifSegment> segments = request.Segments;
        segments[..request.SegmentCount].CopyTo(work.Segments);
        return PrepareTransfer(work, kind, request.SectorNumber, request.SegmentCount);
    }

    private Verdict PrepareFlush(ref BlkifRequest request, BlockRequest work)
    {
        _counters.CountFlush();
        if (!_options.FlushCache)
        {
            return Reject(work, BlockRejection.FlushNotSupported);
        }

        if (request.SegmentCount == 0)
        {
            work.Work = BlockWork.Flush;
            return Verdict.Start;
        }

        if (request.SegmentCount > BlkifProtocol.MaxSegmentsPerRequest)
        {
            return Reject(work, BlockRejection.SegmentCount);
        }

        ReadOnlySpan<BlkifSegment> segments = request.Segments;
        segments[..request.SegmentCount].CopyTo(work.Segments);
        return PrepareTransfer(work, BlockWork.WriteAndFlush, request.SectorNumber, request.SegmentCount);
    }

    private Verdict PrepareDiscard(ref BlkifDiscardRequest request, BlockRequest work)
    {
        _counters.CountDiscard();
        if (_lun.IsReadOnly)
        {
            return Reject(work, BlockRejection.ReadOnly);
        }

        if (!_lun.CanDiscard)
        {
            return Reject(work, BlockRejection.DiscardNotSupported);
        }

        if ((request.Flag & BlkifProtocol.DiscardSecure) != 0)
        {
            return Reject(work, BlockRejection.SecureDiscardNotSupported);
        }

        if (!InDisk(request.SectorNumber, request.SectorCount))
        {
            return Reject(work, BlockRejection.OutOfRange);
        }

        if (!Aligned(request.SectorNumber, request.SectorCount))
        {
            return Reject(work, BlockRejection.Misaligned);
        }

        work.Work = BlockWork.Discard;
        work.Offset = (long)request.SectorNumber << BlkifProtocol.SectorShift;
        work.Length = (long)request.SectorCount << BlkifProtocol.SectorShift;
        return Verdict.Start;
    }

    private Verdict PrepareIndirect(ref BlkifIndirectRequest request, BlockRequest work)
    {
        _counters.CountIndirect();
        if (_options.MaxIndirectSegments == 0)
        {
            return Reject(work, BlockRejection.IndirectNotSupported);
        }

        var kind = request.IndirectOperation switch
        {
            BlkifOperation.Read => BlockWork.Read,
            BlkifOperation.Write => BlockWork.Write,
            _ => BlockWork.None,
        };
        if (kind == BlockWork.None)
        {
            return Reject(work, BlockRejection.IndirectOperation);
        }

        // Xen's blkfront checks that a response names the indirect_op, not INDIRECT.
        work.ResponseOperation = request.IndirectOperation;
        if (kind == BlockWork.Read)
        {
            _counters.CountRead();
        }
        else
        {
            _counters.CountWrite();
        }

        int count = request.SegmentCount;
        if (count == 0 || count > _options.MaxIndirectSegments)
        {
            return Reject(work, BlockRejection.IndirectSegmentCount);
        }

        work.Resize(_options.MaxIndirectSegments);
        var pages = BlkifProtocol.IndirectPagesFor(count);
        for (var page = 0; page < pages; page++)
        {
            var gref = new GrantRef(request.IndirectGrefs[page]);
            if (!_mapper.TryMap(gref, GrantAccess.Read, out var mapping, out var error))
            {
                return Fatal($"indirect page {page} of request {request.Id}: {_mapper.Describe(gref, GrantAccess.Read, error)}");
            }

            // Copy once: the guest may rewrite the page at any time, so only this private copy of
            // the segments is checked and used.
            var first = page * BlkifProtocol.SegmentsPerIndirectPage;
            var here = Math.Min(BlkifProtocol.SegmentsPerIndirectPage, count - first);
            MemoryMarshal.Cast<byte, BlkifSegment>(mapping.ReadOnlySpan)[..here].CopyTo(work.Segments.AsSpan(first));
            _mapper.Unmap(mapping);
        }

        return PrepareTransfer(work, kind, request.SectorNumber, count);
    }

    /// <summary>Checks the private segments and the sector range, then maps the data pages.</summary>
    private unsafe Verdict PrepareTransfer(BlockRequest work, BlockWork kind, ulong sector, int count)
    {
        if (kind != BlockWork.Read && _lun.IsReadOnly)
        {
            return Reject(work, BlockRejection.ReadOnly);
        }

        ulong sectors = 0;
        var segments = work.Segments.AsSpan(0, count);
        foreach (ref readonly var segment in segments)
        {
            if (!segment.IsWellFormed)
            {
                return Reject(work, BlockRejection.SegmentSectors);
            }

            sectors += (ulong)segment.SectorCount;
        }

        if (!InDisk(sector, sectors))
        {
            return Reject(work, BlockRejection.OutOfRange);
        }

        if (!Aligned(sector, sectors))
        {
            return Reject(work, BlockRejection.Misaligned);
        }

        if (_persistent is not null)
        {
            return MapKept(work, kind, sector, sectors, count);
        }

        // The backend writes into the guest's pages for a read, and only reads them for a write.
        var access = kind == BlockWork.Read ? GrantAccess.Write : GrantAccess.Read;
        for (var i = 0; i < count; i++)
        {
            var gref = new GrantRef(segments[i].Gref);
            if (!_mapper.TryMap(gref, access, out var mapping, out var error))
            {
                Unmap(work);
                return Fatal($"segment {i} of request {work.Id}: {_mapper.Describe(gref, access, error)}");
            }

            work.Mappings[i] = mapping;
            work.MappedCount = i + 1;
            Attach(work.Memories[i], PageOf(mapping), segments[i]);
            work.Buffers.Set(i, work.Memories[i].Memory);
        }

        return Ready(work, kind, sector, sectors, count);
    }

    /// <summary>
    /// Maps the data pages of a frontend with persistent grants: kept pages from the cache, others
    /// mapped now (writable, as the frontend promised) and kept while the cache has room, else
    /// unmapped when the request completes.
    /// </summary>
    private unsafe Verdict MapKept(BlockRequest work, BlockWork kind, ulong sector, ulong sectors, int count)
    {
        var segments = work.Segments.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            if (!_persistent!.TryMap(segments[i].Gref, out var page, out var transient, out var error))
            {
                Unmap(work);
                return Fatal($"segment {i} of request {work.Id} (persistent grants are writable): {_persistent.Describe(segments[i].Gref, error)}");
            }

            work.Mappings[i] = transient;
            work.MappedCount = i + 1;
            Attach(work.Memories[i], page, segments[i]);
            work.Buffers.Set(i, work.Memories[i].Memory);
        }

        return Ready(work, kind, sector, sectors, count);
    }

    /// <summary>Every page is mapped: the request is ready for the LUN.</summary>
    private static Verdict Ready(BlockRequest work, BlockWork kind, ulong sector, ulong sectors, int count)
    {
        work.Buffers.SetCount(count);
        work.Work = kind;
        work.Offset = (long)sector << BlkifProtocol.SectorShift;
        work.Length = (long)sectors << BlkifProtocol.SectorShift;
        return Verdict.Start;
    }

    private static unsafe byte* PageOf(in GrantMapping mapping) =>
        (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(mapping.ReadOnlySpan));

    private static unsafe void Attach(SegmentMemory memory, byte* page, in BlkifSegment segment) =>
        memory.Attach(page + (segment.FirstSector << BlkifProtocol.SectorShift), segment.SectorCount << BlkifProtocol.SectorShift);

    private bool InDisk(ulong sector, ulong count)
    {
        var disk = (ulong)_lun.Size >> BlkifProtocol.SectorShift;
        return sector <= disk && count <= disk - sector;
    }

    private bool Aligned(ulong sector, ulong count)
    {
        var perSector = (ulong)(_lun.SectorSize >> BlkifProtocol.SectorShift);
        return perSector <= 1 || ((sector | count) & (perSector - 1)) == 0;
    }

    private Verdict Reject(BlockRequest work, BlockRejection reason)
    {
        _counters.CountRejection(reason);
        work.Status = reason is BlockRejection.UnknownOperation or BlockRejection.FlushNotSupported or BlockRejection.DiscardNotSupported
            or BlockRejection.SecureDiscardNotSupported or BlockRejection.IndirectNotSupported
            ? BlkifStatus.NotSupported
            : BlkifStatus.Error;
        return Verdict.Answer;
    }

    private Verdict Fatal(string reason)
    {
        Fail("protocol violation: " + reason);
        return Verdict.Stop;
    }

    private void Fail(string reason)
    {
        _faultReported = true;
        _queue.Ring.Fail(RingFaultKind.BadRequest, reason);
        _device.Fail(reason);
    }

    /// <summary>Hands a checked request to the LUN; answers it at once when the LUN completes synchronously.</summary>
    private void Start(BlockRequest work)
    {
        if (work.Work is BlockWork.Flush or BlockWork.WriteAndFlush)
        {
            work.Drained = _epochs.Seal();
        }

        if (work.Work is BlockWork.Write or BlockWork.WriteAndFlush)
        {
            work.Epoch = _epochs.Enter();
        }

        var io = Execute(work);
        if (io.IsCompleted)
        {
            Finish(work, io);
            Answer(work);
            return;
        }

        work.Io = io;
        io.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(work.OnIoCompleted);
    }

    private ValueTask Execute(BlockRequest work)
    {
        try
        {
            // No cancellation: a transfer the guest sent is finished and answered even while the
            // device closes, so that a reconnecting frontend replays only what was never answered.
            return work.Work switch
            {
                BlockWork.Read => _lun.ReadAsync(work.Offset, (IReadOnlyList<Memory<byte>>)work.Buffers, CancellationToken.None),
                BlockWork.Write => _lun.WriteAsync(work.Offset, (IReadOnlyList<ReadOnlyMemory<byte>>)work.Buffers, CancellationToken.None),
                BlockWork.Flush => work.Drained!.IsCompleted ? _lun.FlushAsync(CancellationToken.None) : FlushAfterAsync(work.Drained),
                BlockWork.WriteAndFlush => WriteAndFlushAsync(work),
                BlockWork.Discard => _lun.DiscardAsync(work.Offset, work.Length, CancellationToken.None),
                _ => throw new InvalidOperationException($"Request {work.Id} has no work to do."),
            };
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAfterAsync(Task drained)
    {
        await drained.ConfigureAwait(false);
        await _lun.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// FLUSH with data: ParaIo writes the data after the earlier writes have drained and then
    /// fsyncs, so the data is durable when it is acknowledged (Linux's PREFLUSH plus FUA).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAndFlushAsync(BlockRequest work)
    {
        await work.Drained!.ConfigureAwait(false);
        await _lun.WriteAsync(work.Offset, (IReadOnlyList<ReadOnlyMemory<byte>>)work.Buffers, CancellationToken.None).ConfigureAwait(false);
        await _lun.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>A LUN task completed off the ring thread: finish the request there, queue it for its response.</summary>
    private void IoCompleted(BlockRequest work)
    {
        var io = work.Io;
        work.Io = default;
        Finish(work, io);
        _completed.Enqueue(work);
        // Full fence: the request is queued before _workerIdle is read (see Idle).
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _workerIdle) != 0)
        {
            // A private kick: it wakes the ring thread whatever the guest wrote in the shared words.
            _queue.Requests.Kick();
        }
    }

    /// <summary>Takes the LUN's outcome, unmaps the guest's pages and leaves the write epoch; any thread.</summary>
    private void Finish(BlockRequest work, ValueTask io)
    {
        try
        {
            io.GetAwaiter().GetResult();
            work.Status = BlkifStatus.Okay;
            if (work.Work == BlockWork.Read)
            {
                _counters.CountBytesRead(work.Length);
            }
            else if (work.Work is BlockWork.Write or BlockWork.WriteAndFlush)
            {
                _counters.CountBytesWritten(work.Length);
            }
        }
        catch (NotSupportedException)
        {
            work.Status = BlkifStatus.NotSupported;
            _counters.CountIoNotSupported();
        }
        catch (Exception e)
        {
            work.Status = BlkifStatus.Error;
            _counters.CountIoError();
            _device.ReportIoError(work.Work, work.Offset, e);
        }

        // Unmapped before the response exists: a frontend that sees the response may end access.
        Unmap(work);
        work.Epoch?.Leave();
        work.Epoch = null;
    }

    private void Unmap(BlockRequest work)
    {
        for (var i = 0; i < work.MappedCount; i++)
        {
            work.Memories[i].Detach();
            if (work.Mappings[i].IsValid)
            {
                // A kept (persistent) page has no mapping of its own here: it stays mapped.
                _mapper.Unmap(work.Mappings[i]);
                work.Mappings[i] = default;
            }
        }

        work.MappedCount = 0;
        work.Buffers.Clear();
    }

    /// <summary>Writes the response (published by the next push) and returns the request to the pool.</summary>
    private void Answer(BlockRequest work)
    {
        _queue.Ring.WriteResponse(new BlkifResponse { Id = work.Id, Operation = work.ResponseOperation, Status = work.Status });
        _free.Push(work);
    }

    /// <summary>After an unexpected failure: nothing may write into guest pages once the device reports it stopped.</summary>
    private void WaitForInFlight()
    {
        try
        {
            while (_free.Count < _requestCount)
            {
                while (_completed.TryDequeue(out var request))
                {
                    _free.Push(request);
                }

                if (_free.Count < _requestCount)
                {
                    Thread.Sleep(1);
                }
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Block device {Device}: ring {Queue} could not wait for its transfers", _device.Address, Index);
        }
    }

    private enum Verdict
    {
        /// <summary>Checked and mapped: hand it to the LUN.</summary>
        Start,

        /// <summary>Rejected: answer it now with its status.</summary>
        Answer,

        /// <summary>A fatal violation: do not answer; the device stops.</summary>
        Stop,
    }
}
