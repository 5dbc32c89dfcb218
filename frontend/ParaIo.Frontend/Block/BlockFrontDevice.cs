using System.Diagnostics;
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
/// into requests of up to 11 segments, or sent INDIRECT when the backend offers it. The device has
/// <see cref="QueueCount"/> queues (blkif multi-queue: one ring, one ring lock and one completion
/// thread each); each caller's operation goes to the next queue in turn, all its ring requests
/// on that queue. At most <see cref="QueueDepth"/> ring requests are in flight on each queue;
/// further ones wait for a slot.
/// </summary>
/// <remarks>
/// <para>
/// Every ring request is kept, exactly as sent, until its response arrives. When the backend goes
/// away, <see cref="ReplayPending(IReadOnlyList{FrontQueue{BlkifRequest, BlkifResponse}})"/> moves
/// each queue to a new ring and sends every request it left unanswered there again with its id
/// and grants, so each caller's operation completes exactly once.
/// </para>
/// <para>
/// Threads: any number of callers submit; one completion thread per queue takes its responses,
/// ends the grants of answered requests and completes the callers' tasks (on the thread pool
/// unless <see cref="BlockFrontendOptions.CompleteInline"/>). Each ring is driven under its own
/// lock. Once a request is on a ring it cannot be cancelled; a token only cancels the wait for a
/// slot.
/// </para>
/// </remarks>
public sealed class BlockFrontDevice : IResumableFrontendDevice
{
    private readonly GuestMemory _memory;
    private readonly BlockFrontendOptions _options;
    private readonly Lock _poolLock = new();
    private readonly BlockFrontQueue[] _queues;
    private readonly Stack<BlockOperation> _operations = new();
    private readonly Action<BlockOperation> _returnOperation;
    private readonly List<GrantRef> _lingeringGrants = [];
    private readonly List<FrontQueue<BlkifRequest, BlkifResponse>> _retiredQueues = [];
    private readonly int _indirectSegments;
    private readonly PersistentGrants? _persistent;
    private uint _nextQueue;
    private long _grantTableWaits;
    private int _disposed;
    private bool _resourcesReleased;

    internal BlockFrontDevice(GuestMemory memory, IReadOnlyList<FrontQueue<BlkifRequest, BlkifResponse>> queues, BlockBackendInfo backend, BlockFrontendOptions options)
    {
        _memory = memory;
        _options = options;
        Backend = backend;
        var ringSize = (int)queues[0].Ring.Size;
        QueueDepth = options.QueueDepth <= 0 ? ringSize : Math.Min(options.QueueDepth, ringSize);
        // Data pages are granted per request, so every queue full of the largest requests must fit
        // in the guest's grant table beside its other devices: at most half the grants still free,
        // shared out over all the queues' slots, caps the INDIRECT size.
        var grantBudget = (memory.Grants.FreeCount / 2 / (QueueDepth * queues.Count)) - BlkifProtocol.MaxIndirectPagesPerRequest;
        var indirect = Math.Min(Math.Min(options.MaxIndirectSegments, backend.MaxIndirectSegments), grantBudget);
        _indirectSegments = indirect > BlkifProtocol.MaxSegmentsPerRequest ? indirect : 0;
        if (backend.Persistent && options.PersistentGrants)
        {
            _persistent = new PersistentGrants(memory);
        }

        _returnOperation = ReturnOperation;
        _queues = new BlockFrontQueue[queues.Count];
        try
        {
            for (var q = 0; q < _queues.Length; q++)
            {
                _queues[q] = new BlockFrontQueue(this, q, queues[q], QueueDepth, options.Spin);
                _queues[q].Populate(CreateRequest);
            }
        }
        catch
        {
            ReleaseIndirectPages();
            throw;
        }

        foreach (var queue in _queues)
        {
            queue.Start();
        }
    }

    /// <summary>What the backend advertised (the latest backend, after a <see cref="Resume"/>).</summary>
    public BlockBackendInfo Backend { get; private set; }

    /// <summary>The disk's size in 512-byte sectors, or -1 when the backend did not say.</summary>
    public long Sectors => Backend.Sectors;

    /// <summary>True when the backend refuses writes.</summary>
    public bool IsReadOnly => Backend.IsReadOnly;

    /// <summary>Ring requests in flight at most on each queue (the device keeps up to <see cref="QueueCount"/> times as many).</summary>
    public int QueueDepth { get; }

    /// <summary>Queues (rings) in use: 1 unless both ends offered blkif multi-queue.</summary>
    public int QueueCount => _queues.Length;

    /// <summary>True when both ends use <c>feature-persistent</c>: data pages keep their grants between requests.</summary>
    public bool PersistentGrants => _persistent is not null;

    /// <summary>Pages whose grant the backend keeps mapped now.</summary>
    public int PersistentGrantCount => _persistent?.Count ?? 0;

    /// <summary>Segments per INDIRECT request; 0 when large transfers are split into direct requests.</summary>
    public int IndirectSegments => _indirectSegments;

    /// <summary>Ring requests sent and not yet answered, over all queues.</summary>
    public int InFlight => _queues.Sum(q => q.InFlight);

    /// <summary>Responses that named no request in flight (ignored), over all queues.</summary>
    public long StrayResponses => _queues.Sum(q => q.StrayResponses);

    /// <summary>How long a transfer waits, in all, for the guest's grant table to have room before it fails.</summary>
    public static TimeSpan GrantTableFullLimit { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Times a transfer found the guest's grant table full and waited a millisecond for grants to be ended.</summary>
    public long GrantTableWaits => Interlocked.Read(ref _grantTableWaits);

    /// <summary>Queue 0's ring now (the device's only ring unless it uses several queues).</summary>
    public FrontQueue<BlkifRequest, BlkifResponse> Queue => _queues[0].Queue;

    /// <summary>Every queue's ring now, by queue number.</summary>
    public IReadOnlyList<FrontQueue<BlkifRequest, BlkifResponse>> Queues => _queues.Select(q => q.Queue).ToArray();

    /// <summary>Ring requests sent on <paramref name="queue"/> since the device was set up (replays not counted).</summary>
    public long SentOn(int queue) => _queues[queue].Sent;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> PublishedKeys
    {
        get
        {
            var keys = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [BlockKeys.FeaturePersistent] = _persistent is null ? "0" : "1",
            };
            var count = _queues.Length;
            var order = Queue.Offer.PageOrder;
            if (count > 1)
            {
                keys[BlockKeys.MultiQueueNumQueues] = Format(count);
            }

            // Xen writes ring-page-order once for all queues, at the top.
            if (order > 0)
            {
                keys[XenbusPaths.RingPageOrder] = Format(order);
            }

            foreach (var queue in _queues)
            {
                var offer = queue.Queue.Offer;
                var prefix = count > 1 ? "queue-" + Format(queue.Index) + "/" : string.Empty;
                keys[prefix + XenbusPaths.EventChannel] = Format(offer.RequestPort);
                keys[prefix + XenbusPaths.EventChannelResponse] = Format(offer.ResponsePort);
                for (var i = 0; i < offer.RingRefs.Length; i++)
                {
                    keys[prefix + XenbusPaths.RingRef(offer.PageOrder, i)] = offer.RingRefs[i].ToString();
                }
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
    /// Moves a one-queue device to <paramref name="newQueue"/> (whose backend has connected, or is
    /// about to) after its backend went away: takes the responses the old backend did publish, then
    /// writes every request still unanswered to the new ring, in the order first sent, with the
    /// same ids and grants. Returns the queue it replaced, for the caller to dispose once the old
    /// backend has unmapped it.
    /// </summary>
    /// <exception cref="ArgumentException">The new ring is smaller than <see cref="QueueDepth"/>.</exception>
    /// <exception cref="InvalidOperationException">The device uses several queues: replay them all at once.</exception>
    public FrontQueue<BlkifRequest, BlkifResponse> ReplayPending(FrontQueue<BlkifRequest, BlkifResponse> newQueue)
    {
        ArgumentNullException.ThrowIfNull(newQueue);
        if (_queues.Length != 1)
        {
            throw new InvalidOperationException($"This device uses {_queues.Length} queues; replay all of them at once.");
        }

        return ReplayPending([newQueue])[0];
    }

    /// <summary>
    /// Moves every queue to its new ring (<paramref name="newQueues"/>[n] for queue n) after the
    /// backend went away: each queue takes the responses the old backend did publish on its ring,
    /// then writes every request it still has unanswered to its new ring, in the order first sent,
    /// with the same ids and grants. Returns the rings replaced, for the caller to dispose once the
    /// old backend has unmapped them.
    /// </summary>
    /// <exception cref="ArgumentException">Not one ring per queue, or a ring smaller than <see cref="QueueDepth"/>.</exception>
    public FrontQueue<BlkifRequest, BlkifResponse>[] ReplayPending(IReadOnlyList<FrontQueue<BlkifRequest, BlkifResponse>> newQueues)
    {
        ArgumentNullException.ThrowIfNull(newQueues);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (newQueues.Count != _queues.Length)
        {
            throw new ArgumentException($"This device uses {_queues.Length} queues; {newQueues.Count} rings were given.", nameof(newQueues));
        }

        foreach (var queue in newQueues)
        {
            ArgumentNullException.ThrowIfNull(queue, nameof(newQueues));
            if (queue.Ring.Size < QueueDepth)
            {
                throw new ArgumentException($"A new ring holds {queue.Ring.Size} requests; this device keeps up to {QueueDepth} in flight a queue.", nameof(newQueues));
            }
        }

        var old = new FrontQueue<BlkifRequest, BlkifResponse>[_queues.Length];
        for (var q = 0; q < _queues.Length; q++)
        {
            old[q] = _queues[q].Replay(newQueues[q]);
        }

        return old;
    }

    /// <summary>
    /// Moves the device to a new backend after the old one went away: new rings as large as both
    /// ends allow, then <see cref="ReplayPending(IReadOnlyList{FrontQueue{BlkifRequest, BlkifResponse}})"/>. The old rings are released once nothing maps
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

        if (backend.MaxQueues < _queues.Length)
        {
            throw new InvalidDataException($"The new backend serves {backend.MaxQueues} queue(s) a device; this device uses {_queues.Length}.");
        }

        var order = Math.Min(_options.RingPageOrder, backend.MaxRingPageOrder);
        var queues = new List<FrontQueue<BlkifRequest, BlkifResponse>>(_queues.Length);
        try
        {
            for (var q = 0; q < _queues.Length; q++)
            {
                queues.Add(_memory.CreateQueue<BlkifRequest, BlkifResponse>(_options.BackendDomain, order));
            }

            if (queues[0].Ring.Size < QueueDepth)
            {
                throw new InvalidDataException($"The new backend maps rings of at most {1 << backend.MaxRingPageOrder} pages, too small for this device's {QueueDepth} requests in flight.");
            }
        }
        catch
        {
            queues.ForEach(q => q.Dispose());
            throw;
        }

        Backend = backend;
        var old = ReplayPending(queues);
        lock (_retiredQueues)
        {
            _retiredQueues.AddRange(old);
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
            var disposed = new ObjectDisposedException(nameof(BlockFrontDevice));
            foreach (var queue in _queues)
            {
                queue.Stop(disposed);
            }
        }

        if (!_resourcesReleased)
        {
            _persistent?.EndAll(KeepLingering);
            RetryLingeringGrants();
            ReleaseIndirectPages();
            lock (_retiredQueues)
            {
                ReleaseRetiredQueues();
            }

            foreach (var queue in _queues)
            {
                queue.ReleaseQueue();
            }

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
        foreach (var request in _queues.Where(q => q is not null).SelectMany(q => q.Requests))
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
        var sending = SendTransfer(op, NextQueue(), operation, sector, owner, start, length, cancellationToken);
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
        var sending = SendSingle(op, NextQueue(), operation, sector, sectors, cancellationToken);
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
    private async ValueTask SendTransfer(BlockOperation op, BlockFrontQueue queue, BlkifOperation operation, long sector, BlockBuffer buffer, int start, int length, CancellationToken cancellationToken)
    {
        // Every part on one queue: its requests then reach the backend in order, on one thread.
        var done = 0;
        var tableFullSince = 0L;
        while (done < length)
        {
            var request = await queue.AcquireAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                done += Build(request, operation, sector + (done >> BlkifProtocol.SectorShift), buffer, start + done, length - done);
            }
            catch (GrantAccessException e) when (e.Error == GrantError.TableFull)
            {
                // The guest's grant table is shared by all its devices: wait for requests in flight
                // (here or on another disk) to end theirs, as Linux's blkfront waits for free grants.
                EndGrants(request);
                queue.ReleaseRequest(request);
                tableFullSince = tableFullSince == 0 ? Stopwatch.GetTimestamp() : tableFullSince;
                await WaitForFreeGrantsAsync(tableFullSince, e, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch
            {
                EndGrants(request);
                queue.ReleaseRequest(request);
                throw;
            }

            tableFullSince = 0;
            queue.Send(request, op);
        }
    }

    /// <summary>
    /// Pauses a transfer whose grants did not fit in the grant table, for a millisecond; after
    /// <see cref="GrantTableFullLimit"/> of it the transfer fails (the table stays full: grants
    /// leaked, or more devices keep grants than the table holds).
    /// </summary>
    private async ValueTask WaitForFreeGrantsAsync(long since, GrantAccessException full, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _grantTableWaits);
        if (Stopwatch.GetElapsedTime(since) > GrantTableFullLimit)
        {
            throw new IOException($"The guest's grant table has stayed full for {GrantTableFullLimit.TotalSeconds:0} s. {full.Message}", full);
        }

        await Task.Delay(1, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendSingle(BlockOperation op, BlockFrontQueue queue, BlkifOperation operation, long sector, long sectors, CancellationToken cancellationToken)
    {
        var request = await queue.AcquireAsync(cancellationToken).ConfigureAwait(false);
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

        queue.Send(request, op);
    }

    /// <summary>
    /// The queue for the next operation: the completing queue's own when called on its completion
    /// thread (an inline continuation), else the next in turn, or, when that one is full, the first
    /// after it with a slot free (the caller then waits only when every queue is full).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private BlockFrontQueue NextQueue()
    {
        var queues = _queues;
        return queues.Length == 1 ? queues[0] : NextOfSeveral(queues);
    }

    private BlockFrontQueue NextOfSeveral(BlockFrontQueue[] queues)
    {
        // A continuation running inline on a completion thread submits on that thread's own queue:
        // the ring it just answered from, whose lock nobody else is likely to hold.
        if (BlockFrontQueue.Completing is { } own && own.Device == this && own.HasFreeSlot)
        {
            return own;
        }

        var first = (int)(Interlocked.Increment(ref _nextQueue) % (uint)queues.Length);
        for (var i = 0; i < queues.Length; i++)
        {
            var queue = queues[(first + i) % queues.Length];
            if (queue.HasFreeSlot)
            {
                return queue;
            }
        }

        return queues[first];
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
            if (_persistent is null || !_persistent.TryGet(page + i, out var grant))
            {
                // A write only needs the backend to read the page, a read needs it writable; with
                // persistent grants every data page is writable (the feature's promise).
                grant = _memory.Grants.GrantAccess(_options.BackendDomain, page + i, readOnly: _persistent is null && operation == BlkifOperation.Write);
                request.GrantPages[request.GrantCount] = page + i;
                request.Grants[request.GrantCount++] = grant;
            }

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

    /// <summary>
    /// Ends a request's data grants. One still mapped is one the backend keeps (persistent grants:
    /// it becomes its page's grant) or, without the feature, one a dead backend held: it is ended
    /// once it can be.
    /// </summary>
    internal void EndGrants(PendingRequest request)
    {
        for (var i = 0; i < request.GrantCount; i++)
        {
            if (!_memory.Grants.TryEndAccess(request.Grants[i]) && !(_persistent?.Adopt(request.GrantPages[i], request.Grants[i]) ?? false))
            {
                KeepLingering(request.Grants[i]);
            }

            request.Grants[i] = default;
        }

        request.GrantCount = 0;
    }

    /// <summary>Keeps a grant still mapped (by a backend that died holding it, or has not let go yet) until it can be ended.</summary>
    private void KeepLingering(GrantRef grant)
    {
        lock (_lingeringGrants)
        {
            _lingeringGrants.Add(grant);
        }
    }

    private void RetryLingeringGrants()
    {
        lock (_lingeringGrants)
        {
            _lingeringGrants.RemoveAll(_memory.Grants.TryEndAccess);
        }
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
