using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.Store.Xenbus;

namespace ParaIo.Frontend.Block;

/// <summary>
/// A connected virtual block device (BlkFront): reads, writes, flushes and discards of 512-byte
/// sectors over the blkif ring. Buffers come from the guest's grant pool
/// (<see cref="AllocateBuffer"/>) and are granted to the backend for the length of each request,
/// so data is never copied on the guest side either. A transfer larger than one request is split
/// into requests of up to 11 segments, or sent INDIRECT when the backend offers it. At most
/// <see cref="QueueDepth"/> ring requests are in flight; further ones wait for a slot.
/// </summary>
/// <remarks>
/// <para>
/// Every ring request is kept, exactly as sent, until its response arrives. When the backend goes
/// away, <see cref="ReplayPending"/> moves the device to a new queue and sends every unanswered
/// request there again with its id and grants, so each caller's operation completes exactly once.
/// </para>
/// <para>
/// Threads: any number of callers submit; one completion thread takes responses, ends the grants
/// of answered requests and completes the callers' tasks (on the thread pool unless
/// <see cref="BlockFrontendOptions.CompleteInline"/>). The ring is driven under one lock. Once a
/// request is on the ring it cannot be cancelled; a token only cancels the wait for a slot.
/// </para>
/// </remarks>
public sealed class BlockFrontDevice : IResumableFrontendDevice
{
    private const int IdleTimeoutMs = 1000;

    private readonly GuestMemory _memory;
    private readonly BlockFrontendOptions _options;
    private readonly Lock _ringLock = new();
    private readonly Lock _poolLock = new();
    private readonly SemaphoreSlim _slots;
    private readonly PendingRequest[] _requests;
    private readonly Stack<PendingRequest> _freeRequests;
    private readonly Stack<BlockOperation> _operations = new();
    private readonly Action<BlockOperation> _returnOperation;
    private readonly PendingRequest[] _answered;
    private readonly BlkifStatus[] _answeredStatus;
    private readonly List<GrantRef> _lingeringGrants = [];
    private readonly List<FrontQueue<BlkifRequest, BlkifResponse>> _retiredQueues = [];
    private readonly Thread _completer;
    private readonly int _indirectSegments;
    private FrontQueue<BlkifRequest, BlkifResponse> _queue;
    private long _sequence;
    private long _strayResponses;
    private int _disposed;
    private bool _resourcesReleased;

    internal BlockFrontDevice(GuestMemory memory, FrontQueue<BlkifRequest, BlkifResponse> queue, BlockBackendInfo backend, BlockFrontendOptions options)
    {
        _memory = memory;
        _options = options;
        Backend = backend;
        _queue = queue;
        QueueDepth = options.QueueDepth <= 0 ? (int)queue.Ring.Size : Math.Min(options.QueueDepth, (int)queue.Ring.Size);
        // Data pages are granted per request, so a full queue of the largest requests must fit in
        // the guest's grant table beside its other devices: at most half the grants still free,
        // shared out over the queue depth, caps the INDIRECT size.
        var grantBudget = (memory.Grants.FreeCount / 2 / QueueDepth) - BlkifProtocol.MaxIndirectPagesPerRequest;
        var indirect = Math.Min(Math.Min(options.MaxIndirectSegments, backend.MaxIndirectSegments), grantBudget);
        _indirectSegments = indirect > BlkifProtocol.MaxSegmentsPerRequest ? indirect : 0;
        _slots = new SemaphoreSlim(QueueDepth, QueueDepth);
        _requests = new PendingRequest[QueueDepth];
        _freeRequests = new Stack<PendingRequest>(QueueDepth);
        _answered = new PendingRequest[QueueDepth];
        _answeredStatus = new BlkifStatus[QueueDepth];
        _returnOperation = ReturnOperation;
        try
        {
            for (var i = QueueDepth - 1; i >= 0; i--)
            {
                _requests[i] = CreateRequest(i);
                _freeRequests.Push(_requests[i]);
            }
        }
        catch
        {
            ReleaseIndirectPages();
            throw;
        }

        _completer = new Thread(RunCompletions) { IsBackground = true, Name = "vbd completions" };
        _completer.Start();
    }

    /// <summary>What the backend advertised (the latest backend, after a <see cref="Resume"/>).</summary>
    public BlockBackendInfo Backend { get; private set; }

    /// <summary>The disk's size in 512-byte sectors, or -1 when the backend did not say.</summary>
    public long Sectors => Backend.Sectors;

    /// <summary>True when the backend refuses writes.</summary>
    public bool IsReadOnly => Backend.IsReadOnly;

    /// <summary>Ring requests in flight at most.</summary>
    public int QueueDepth { get; }

    /// <summary>Segments per INDIRECT request; 0 when large transfers are split into direct requests.</summary>
    public int IndirectSegments => _indirectSegments;

    /// <summary>Ring requests sent and not yet answered.</summary>
    public int InFlight
    {
        get
        {
            lock (_ringLock)
            {
                return _requests.Count(r => r.InFlight);
            }
        }
    }

    /// <summary>Responses that named no request in flight (ignored).</summary>
    public long StrayResponses => Interlocked.Read(ref _strayResponses);

    /// <summary>The queue the device uses now.</summary>
    public FrontQueue<BlkifRequest, BlkifResponse> Queue => Volatile.Read(ref _queue);

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> PublishedKeys
    {
        get
        {
            var offer = Queue.Offer;
            var keys = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [XenbusPaths.EventChannel] = offer.RequestPort.ToString(CultureInfo.InvariantCulture),
                [XenbusPaths.EventChannelResponse] = offer.ResponsePort.ToString(CultureInfo.InvariantCulture),
                [BlockKeys.FeaturePersistent] = "0",
            };
            if (offer.PageOrder > 0)
            {
                keys[XenbusPaths.RingPageOrder] = offer.PageOrder.ToString(CultureInfo.InvariantCulture);
            }

            for (var i = 0; i < offer.RingRefs.Length; i++)
            {
                keys[XenbusPaths.RingRef(offer.PageOrder, i)] = offer.RingRefs[i].ToString();
            }

            return keys;
        }
    }

    /// <summary>Allocates a zeroed buffer of <paramref name="length"/> bytes in the guest's pool.</summary>
    public BlockBuffer AllocateBuffer(int length) => BlockBuffer.Allocate(_memory, length);

    /// <summary>Reads <paramref name="buffer"/>.Length bytes from <paramref name="sector"/> into a pool buffer (a slice of a <see cref="BlockBuffer"/>, 512-byte aligned).</summary>
    public ValueTask ReadAsync(long sector, Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Transfer(BlkifOperation.Read, sector, buffer, cancellationToken);

    /// <summary>Writes a pool buffer (a slice of a <see cref="BlockBuffer"/>, 512-byte aligned) at <paramref name="sector"/>.</summary>
    public ValueTask WriteAsync(long sector, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        return Transfer(BlkifOperation.Write, sector, MemoryMarshal.AsMemory(buffer), cancellationToken);
    }

    /// <summary>Makes every write completed before this call durable (FLUSH_DISKCACHE).</summary>
    /// <exception cref="NotSupportedException">The backend does not offer <c>feature-flush-cache</c>.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!Backend.FlushCache)
        {
            throw new NotSupportedException("The backend does not offer feature-flush-cache.");
        }

        return Single(BlkifOperation.FlushDiskCache, 0, 0, cancellationToken);
    }

    /// <summary>Discards <paramref name="sectors"/> sectors from <paramref name="sector"/>: they read as zeros afterwards.</summary>
    /// <exception cref="NotSupportedException">The backend does not offer <c>feature-discard</c>.</exception>
    public ValueTask DiscardAsync(long sector, long sectors, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        if (!Backend.Discard)
        {
            throw new NotSupportedException("The backend does not offer feature-discard.");
        }

        CheckRange(sector, sectors);
        return Single(BlkifOperation.Discard, sector, sectors, cancellationToken);
    }

    /// <summary>
    /// Moves the device to <paramref name="newQueue"/> (whose backend has connected, or is about
    /// to) after its backend went away: takes the responses the old backend did publish, then
    /// writes every request still unanswered to the new ring, in the order first sent, with the
    /// same ids and grants. Returns the queue it replaced, for the caller to dispose once the old
    /// backend has unmapped it.
    /// </summary>
    /// <exception cref="ArgumentException">The new ring is smaller than <see cref="QueueDepth"/>.</exception>
    public FrontQueue<BlkifRequest, BlkifResponse> ReplayPending(FrontQueue<BlkifRequest, BlkifResponse> newQueue)
    {
        ArgumentNullException.ThrowIfNull(newQueue);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (newQueue.Ring.Size < QueueDepth)
        {
            throw new ArgumentException($"The new ring holds {newQueue.Ring.Size} requests; this device keeps up to {QueueDepth} in flight.", nameof(newQueue));
        }

        // Private arrays: the completion thread owns _answered and may be taking responses too.
        var requests = new PendingRequest[QueueDepth];
        var statuses = new BlkifStatus[QueueDepth];
        FrontQueue<BlkifRequest, BlkifResponse> old;
        int answered;
        lock (_ringLock)
        {
            old = _queue;
            answered = TakeResponses(old, requests, statuses);
            Volatile.Write(ref _queue, newQueue);
            var unanswered = _requests.Where(r => r.InFlight).OrderBy(r => r.Sequence);
            foreach (var request in unanswered)
            {
                newQueue.Ring.NextRequest() = request.Request;
            }

            newQueue.Push();
        }

        // The completion thread may be asleep on the old queue's port: move it on.
        WakeCompletions(old);
        Finish(requests, statuses, answered);
        return old;
    }

    /// <summary>
    /// Moves the device to a new backend after the old one went away: new rings as large as both
    /// ends allow, then <see cref="ReplayPending"/>. The old rings are released once nothing maps
    /// them (the guest agent clears a dead backend's mappings before a new session starts).
    /// </summary>
    /// <exception cref="InvalidDataException">The new backend's keys are malformed, or it offers less INDIRECT or a smaller ring than this device relies on.</exception>
    public void Resume(FrontendConnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Memory != _memory)
        {
            throw new ArgumentException("A block device resumes in the pool it was created in.", nameof(context));
        }

        var backend = BlockBackendInfo.Parse(context.BackendFeatures);
        if (_indirectSegments > backend.MaxIndirectSegments)
        {
            throw new InvalidDataException($"The new backend serves INDIRECT requests of {backend.MaxIndirectSegments} segments; this device sends {_indirectSegments}.");
        }

        var order = Math.Min(_options.RingPageOrder, backend.MaxRingPageOrder);
        var queue = _memory.CreateQueue<BlkifRequest, BlkifResponse>(_options.BackendDomain, order);
        if (queue.Ring.Size < QueueDepth)
        {
            queue.Dispose();
            throw new InvalidDataException($"The new backend maps rings of at most {1 << backend.MaxRingPageOrder} pages, too small for this device's {QueueDepth} requests in flight.");
        }

        Backend = backend;
        var old = ReplayPending(queue);
        lock (_retiredQueues)
        {
            _retiredQueues.Add(old);
            ReleaseRetiredQueues();
        }
    }

    private void ReleaseRetiredQueues()
    {
        for (var i = _retiredQueues.Count - 1; i >= 0; i--)
        {
            try
            {
                _retiredQueues[i].Dispose();
                _retiredQueues.RemoveAt(i);
            }
            catch (GrantAccessException)
            {
                // Still mapped by a backend that has not let go yet; tried again later.
            }
        }
    }

    /// <summary>
    /// Stops the device: callers still waiting fail with <see cref="ObjectDisposedException"/>, the
    /// grants of unanswered requests and of the indirect pages are ended, and the ring is released.
    /// Throws <see cref="GrantAccessException"/> while the backend still maps the ring; call again
    /// once it has unmapped (the loopback device's rule).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            WakeCompletions(Volatile.Read(ref _queue));
            if (Thread.CurrentThread != _completer)
            {
                _completer.Join(); // (an inline continuation disposing the device runs on the completer itself)
            }
            var disposed = new ObjectDisposedException(nameof(BlockFrontDevice));
            lock (_ringLock)
            {
                foreach (var request in _requests.Where(r => r.InFlight))
                {
                    request.InFlight = false;
                    EndGrants(request);
                    request.Operation?.Fail(disposed);
                    request.Operation?.Release();
                    request.Operation = null;
                }
            }

            // Wake everyone waiting for a slot; they see the device disposed and give up.
            if (_slots.CurrentCount < QueueDepth)
            {
                _slots.Release(QueueDepth - _slots.CurrentCount);
            }
        }

        if (!_resourcesReleased)
        {
            RetryLingeringGrants();
            ReleaseIndirectPages();
            lock (_retiredQueues)
            {
                ReleaseRetiredQueues();
            }

            Volatile.Read(ref _queue).Dispose();
            _resourcesReleased = true;
        }
    }

    private PendingRequest CreateRequest(int index)
    {
        var request = new PendingRequest(index, Math.Max(BlkifProtocol.MaxSegmentsPerRequest, _indirectSegments));
        if (_indirectSegments > 0)
        {
            // The segment pages of this slot's INDIRECT requests: granted read-only once, rewritten
            // only while the slot is free, so the backend always finds what the request described.
            var pages = BlkifProtocol.IndirectPagesFor(_indirectSegments);
            request.IndirectFirstPage = _memory.Pages.Allocate(pages);
            request.IndirectGrants = new GrantRef[pages];
            for (var p = 0; p < pages; p++)
            {
                request.IndirectGrants[p] = _memory.Grants.GrantAccess(_options.BackendDomain, request.IndirectFirstPage + p, readOnly: true);
            }
        }

        return request;
    }

    private void ReleaseIndirectPages()
    {
        foreach (var request in _requests)
        {
            if (request is null || request.IndirectFirstPage == 0)
            {
                continue;
            }

            var allEnded = true;
            foreach (var grant in request.IndirectGrants)
            {
                if (grant.Value != 0 && !_memory.Grants.TryEndAccess(grant))
                {
                    allEnded = false;
                }
            }

            if (allEnded)
            {
                _memory.Pages.Free(request.IndirectFirstPage, request.IndirectGrants.Length);
            }

            request.IndirectFirstPage = 0;
        }
    }

    private void ThrowIfReadOnly()
    {
        if (Backend.IsReadOnly)
        {
            throw new InvalidOperationException("The disk is read-only.");
        }
    }

    private void CheckRange(long sector, long sectors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sector);
        ArgumentOutOfRangeException.ThrowIfNegative(sectors);
        if (Backend.Sectors >= 0 && (sector > Backend.Sectors || sectors > Backend.Sectors - sector))
        {
            throw new ArgumentOutOfRangeException(nameof(sector), $"Sectors {sector}..{sector + sectors - 1} lie outside the disk's {Backend.Sectors} sectors.");
        }
    }

    /// <summary>Checks the buffer, then sends it as one or more ring requests.</summary>
    private ValueTask Transfer(BlkifOperation operation, long sector, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!MemoryMarshal.TryGetMemoryManager<byte, BlockBuffer>(buffer, out var owner, out var start, out var length)
            || owner.Owner != _memory)
        {
            throw new ArgumentException("Block I/O buffers must come from this device's pool (AllocateBuffer).", nameof(buffer));
        }

        ObjectDisposedException.ThrowIf(owner.IsFreed, owner);
        if (length == 0 || ((start | length) & (BlkifProtocol.SectorSize - 1)) != 0)
        {
            throw new ArgumentException($"A block transfer is a whole number of 512-byte sectors at a 512-byte boundary, not {length} bytes at offset {start}.", nameof(buffer));
        }

        CheckRange(sector, length >> BlkifProtocol.SectorShift);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var op = RentOperation(operation, sector);
        var sending = SendTransfer(op, operation, sector, owner, start, length, cancellationToken);
        if (!sending.IsCompletedSuccessfully)
        {
            return AwaitSendThenCompletion(op, sending);
        }

        op.Release(); // the submitter's reference: every part is on the ring
        return new ValueTask(op, op.Version);
    }

    /// <summary>A request without data: FLUSH or DISCARD.</summary>
    private ValueTask Single(BlkifOperation operation, long sector, long sectors, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var op = RentOperation(operation, sector);
        var sending = SendSingle(op, operation, sector, sectors, cancellationToken);
        if (!sending.IsCompletedSuccessfully)
        {
            return AwaitSendThenCompletion(op, sending);
        }

        op.Release();
        return new ValueTask(op, op.Version);
    }

    private static async ValueTask AwaitSendThenCompletion(BlockOperation op, ValueTask sending)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            op.Fail(e);
        }

        op.Release();
        await new ValueTask(op, op.Version).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendTransfer(BlockOperation op, BlkifOperation operation, long sector, BlockBuffer buffer, int start, int length, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < length)
        {
            var request = await AcquireAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                done += Build(request, operation, sector + (done >> BlkifProtocol.SectorShift), buffer, start + done, length - done);
            }
            catch
            {
                EndGrants(request);
                ReleaseRequest(request);
                throw;
            }

            Send(request, op);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendSingle(BlockOperation op, BlkifOperation operation, long sector, long sectors, CancellationToken cancellationToken)
    {
        var request = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        request.Request = default;
        request.GrantCount = 0;
        request.ExpectedOperation = operation;
        if (operation == BlkifOperation.Discard)
        {
            ref var discard = ref BlkifProtocol.AsDiscard(ref request.Request);
            discard.Operation = BlkifOperation.Discard;
            discard.Id = request.Id;
            discard.SectorNumber = (ulong)sector;
            discard.SectorCount = (ulong)sectors;
        }
        else
        {
            request.Request.Operation = operation;
            request.Request.Id = request.Id;
        }

        Send(request, op);
    }

    /// <summary>
    /// Fills one ring request with as much of the transfer as it can carry — 11 segments, or the
    /// INDIRECT maximum when more remain — granting each page; returns the bytes it covers.
    /// </summary>
    private int Build(PendingRequest request, BlkifOperation operation, long sector, BlockBuffer buffer, int offset, int length)
    {
        var inPage = offset & (PoolLayout.PageSize - 1);
        var pagesLeft = (inPage + length + PoolLayout.PageSize - 1) / PoolLayout.PageSize;
        var indirect = pagesLeft > BlkifProtocol.MaxSegmentsPerRequest && _indirectSegments > 0;
        var segments = Math.Min(pagesLeft, indirect ? _indirectSegments : BlkifProtocol.MaxSegmentsPerRequest);
        request.Request = default;
        // Direct: the segments go straight into the entry; indirect: into this slot's own pages.
        Span<BlkifSegment> list = indirect
            ? MemoryMarshal.Cast<byte, BlkifSegment>(_memory.Pool.GetPages(request.IndirectFirstPage, request.IndirectGrants.Length))
            : request.Request.Segments;
        list = list[..segments];
        request.GrantCount = 0;
        var page = buffer.FirstPage + (offset / PoolLayout.PageSize);
        var covered = 0;
        for (var i = 0; i < segments; i++)
        {
            var take = Math.Min(PoolLayout.PageSize - inPage, length - covered);
            var first = inPage >> BlkifProtocol.SectorShift;
            var last = first + (take >> BlkifProtocol.SectorShift) - 1;
            // A write only needs the backend to read the page; a read needs it writable.
            var grant = _memory.Grants.GrantAccess(_options.BackendDomain, page + i, readOnly: operation == BlkifOperation.Write);
            request.Grants[request.GrantCount++] = grant;
            list[i] = new BlkifSegment(grant.Value, (byte)first, (byte)last);
            covered += take;
            inPage = 0;
        }

        request.ExpectedOperation = operation;
        if (indirect)
        {
            ref var entry = ref BlkifProtocol.AsIndirect(ref request.Request);
            entry.Operation = BlkifOperation.Indirect;
            entry.IndirectOperation = operation;
            entry.SegmentCount = (ushort)segments;
            entry.Id = request.Id;
            entry.SectorNumber = (ulong)sector;
            for (var p = 0; p < BlkifProtocol.IndirectPagesFor(segments); p++)
            {
                entry.IndirectGrefs[p] = request.IndirectGrants[p].Value;
            }
        }
        else
        {
            request.Request.Operation = operation;
            request.Request.SegmentCount = (byte)segments;
            request.Request.Id = request.Id;
            request.Request.SectorNumber = (ulong)sector;
        }

        return covered;
    }

    /// <summary>Writes a built request to the ring and publishes it.</summary>
    /// <summary>Writes a built request to the ring and publishes it, as a part of <paramref name="op"/>.</summary>
    /// <exception cref="ObjectDisposedException">The device was disposed meanwhile; the request's grants are ended.</exception>
    private void Send(PendingRequest request, BlockOperation op)
    {
        lock (_ringLock)
        {
            // Checked under the ring lock: Dispose fails the requests in flight under the same
            // lock, so a request is either failed there or never sent.
            if (Volatile.Read(ref _disposed) == 0)
            {
                var queue = _queue;
                request.Operation = op;
                op.AddPart();
                request.InFlight = true;
                request.Sequence = ++_sequence;
                // Depth ≤ ring size and a slot is freed only after its response is consumed, so
                // the ring always has room here.
                queue.Ring.NextRequest() = request.Request;
                queue.Push();
                return;
            }
        }

        EndGrants(request);
        throw new ObjectDisposedException(nameof(BlockFrontDevice));
    }

    private ValueTask<PendingRequest> AcquireAsync(CancellationToken cancellationToken) =>
        _slots.Wait(0, CancellationToken.None) ? new ValueTask<PendingRequest>(TakeRequest()) : AcquireSlowAsync(cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PendingRequest> AcquireSlowAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return TakeRequest();
    }

    private PendingRequest TakeRequest()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            _slots.Release();
            throw new ObjectDisposedException(nameof(BlockFrontDevice));
        }

        lock (_poolLock)
        {
            var request = _freeRequests.Pop();
            request.Generation++;
            return request;
        }
    }

    private void ReleaseRequest(PendingRequest request)
    {
        request.Operation = null;
        lock (_poolLock)
        {
            _freeRequests.Push(request);
        }

        _slots.Release();
    }

    private BlockOperation RentOperation(BlkifOperation operation, long sector)
    {
        BlockOperation? op = null;
        lock (_poolLock)
        {
            _operations.TryPop(out op);
        }

        op ??= new BlockOperation(_returnOperation);
        op.Start(operation, sector, _options.CompleteInline);
        return op;
    }

    private void ReturnOperation(BlockOperation op)
    {
        lock (_poolLock)
        {
            _operations.Push(op);
        }
    }

    /// <summary>The completion thread: takes responses, then sleeps on the response port until the backend notifies.</summary>
    private void RunCompletions()
    {
        while (Volatile.Read(ref _disposed) == 0)
        {
            FrontQueue<BlkifRequest, BlkifResponse> queue;
            int answered;
            var idle = false;
            lock (_ringLock)
            {
                queue = _queue;
                answered = TakeResponses(queue, _answered, _answeredStatus);
                if (answered == 0)
                {
                    idle = !queue.Ring.FinalCheckForResponses();
                }
            }

            Finish(_answered, _answeredStatus, answered);
            if (idle)
            {
                // A faulted ring has no responses any more: sleep until a replay or Dispose wakes us.
                queue.Responses.Wait(_options.Spin, queue.Ring.Fault is null ? IdleTimeoutMs : Timeout.Infinite);
            }
        }
    }

    /// <summary>
    /// Takes the published responses of <paramref name="queue"/> and matches each to its request
    /// (caller holds the ring lock). The matched requests are left in <paramref name="requests"/>
    /// for <see cref="Finish"/>, which runs outside the lock.
    /// </summary>
    private int TakeResponses(FrontQueue<BlkifRequest, BlkifResponse> queue, PendingRequest[] requests, BlkifStatus[] statuses)
    {
        var answered = 0;
        while (answered < requests.Length && queue.Ring.TryTakeResponse(out var response))
        {
            var index = (uint)response.Id;
            if (index >= (uint)_requests.Length || _requests[index] is not { InFlight: true } request || request.Id != response.Id)
            {
                _strayResponses++;
                continue;
            }

            request.InFlight = false;
            requests[answered] = request;
            // Xen's blkfront likewise refuses a response that names another operation.
            statuses[answered] = response.Operation == request.ExpectedOperation ? response.Status : BlkifStatus.Error;
            answered++;
        }

        return answered;
    }

    /// <summary>Ends the grants of answered requests, frees their slots and completes their operations.</summary>
    private void Finish(PendingRequest[] requests, BlkifStatus[] statuses, int answered)
    {
        for (var i = 0; i < answered; i++)
        {
            var request = requests[i];
            var status = statuses[i];
            requests[i] = null!;
            EndGrants(request);
            var op = request.Operation;
            ReleaseRequest(request);
            op?.PartCompleted(status);
        }
    }

    private void EndGrants(PendingRequest request)
    {
        for (var i = 0; i < request.GrantCount; i++)
        {
            if (!_memory.Grants.TryEndAccess(request.Grants[i]))
            {
                // Still mapped (a backend that died holding it): keep it until it can be ended.
                lock (_lingeringGrants)
                {
                    _lingeringGrants.Add(request.Grants[i]);
                }
            }

            request.Grants[i] = default;
        }

        request.GrantCount = 0;
    }

    private void RetryLingeringGrants()
    {
        lock (_lingeringGrants)
        {
            _lingeringGrants.RemoveAll(_memory.Grants.TryEndAccess);
        }
    }

    /// <summary>
    /// Wakes the completion thread if it sleeps on <paramref name="queue"/>'s response port: an
    /// event made pending there ends its wait, and it then finds the device's current queue (or
    /// that the device is disposed). The port is the frontend's own; nobody else waits on it.
    /// </summary>
    private static void WakeCompletions(FrontQueue<BlkifRequest, BlkifResponse> queue) => queue.Responses.Notify();
}
