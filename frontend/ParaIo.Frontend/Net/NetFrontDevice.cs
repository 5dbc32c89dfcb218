using System.Globalization;
using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Net;

/// <summary>
/// A connected virtual network interface (NetFront). Frames are built in place in pool pages that
/// stay granted to the backend for the whole connection (<see cref="BeginSend"/>, then
/// <see cref="NetTxFrame.Send(NetTxOffload)"/> with offload metadata), so nothing is copied on the send side; a
/// frame spans up to 16 pages (64 KiB) as a multi-slot frame, and goes out on the queue its flow
/// hashes to. Each queue keeps its rx ring filled with posted pages; received frames are handed
/// in place to <see cref="NetFrontendOptions.Receiver"/> and their pages posted again.
/// </summary>
/// <remarks>
/// <para>
/// Threads: any number of senders (the tx rings are written under a lock each); one thread a
/// queue takes tx completions and received frames. A frame in flight when the backend goes away
/// is lost, as on any Ethernet; <see cref="Dispose"/> wakes blocked senders with
/// <see cref="ObjectDisposedException"/>, and the agent then sets up a new device.
/// </para>
/// </remarks>
public sealed class NetFrontDevice : IFrontendDevice
{
    private readonly GuestMemory _memory;
    private readonly NetFrontQueue[] _queues;
    private readonly int _txFirstPage;
    private readonly GrantRef[] _txGrants;
    private readonly int[] _txQueueOf;          // the queue a page is in flight on, or -1
    private readonly Stack<int> _freePages;
    private readonly Stack<NetTxFrame> _leases = new();
    private readonly object _poolLock = new(); // Monitor: blocked senders wait for pages
    private readonly Action<NetReceivedFrame>? _receiver;
    private int _waiters;
    private int _disposed;
    private bool _txGrantsEnded;
    private bool[] _rxGrantsEnded;
    private bool _released;
    private long _txFrames;
    private long _txBytes;
    private long _txErrors;
    private long _rxFrames;
    private long _rxBytes;
    private long _rxDropped;
    private long _strayResponses;

    internal NetFrontDevice(FrontendConnectContext context, NetBackendInfo backend, NetFrontendOptions options)
    {
        _memory = context.Memory;
        Options = options;
        Backend = backend;
        Id = context.Id;
        _receiver = options.Receiver;
        var queueCount = Math.Min(options.Queues, backend.MaxQueues);
        _queues = new NetFrontQueue[queueCount];
        _rxGrantsEnded = new bool[queueCount];
        TxPageCount = options.TxPages;
        _txGrants = new GrantRef[TxPageCount];
        _txQueueOf = new int[TxPageCount];
        _freePages = new Stack<int>(TxPageCount);
        _txFirstPage = -1;
        try
        {
            for (var q = 0; q < queueCount; q++)
            {
                _queues[q] = new NetFrontQueue(this, _memory, q, options);
            }

            _txFirstPage = _memory.Pages.Allocate(TxPageCount);
            for (var i = TxPageCount - 1; i >= 0; i--)
            {
                // Read-only: the backend only reads what the guest sends.
                _txGrants[i] = _memory.Grants.GrantAccess(options.BackendDomain, _txFirstPage + i, readOnly: true);
                _txQueueOf[i] = -1;
                _freePages.Push(i);
            }
        }
        catch
        {
            Volatile.Write(ref _disposed, 1);
            ReleaseResources();
            throw;
        }

        foreach (var queue in _queues)
        {
            queue.Start();
        }
    }

    /// <summary>The device id.</summary>
    public int Id { get; }

    /// <summary>What the backend advertised (MAC, MTU, offloads).</summary>
    public NetBackendInfo Backend { get; }

    /// <summary>Queue pairs in use.</summary>
    public int QueueCount => _queues.Length;

    /// <summary>Pool pages for outgoing frames.</summary>
    public int TxPageCount { get; }

    /// <summary>Frames sent.</summary>
    public long TxFrames => Interlocked.Read(ref _txFrames);

    /// <summary>Bytes sent.</summary>
    public long TxBytes => Interlocked.Read(ref _txBytes);

    /// <summary>Frames the backend answered with an error (dropped as malformed).</summary>
    public long TxErrors => Interlocked.Read(ref _txErrors);

    /// <summary>Frames received and handed to the receiver.</summary>
    public long RxFrames => Interlocked.Read(ref _rxFrames);

    /// <summary>Bytes received.</summary>
    public long RxBytes => Interlocked.Read(ref _rxBytes);

    /// <summary>Frames dropped on arrival: an error slot, or no receiver.</summary>
    public long RxDropped => Interlocked.Read(ref _rxDropped);

    /// <summary>Tx responses that named no page in flight (ignored).</summary>
    public long StrayResponses => Interlocked.Read(ref _strayResponses);

    /// <summary>Tx pages free now.</summary>
    public int FreeTxPages
    {
        get
        {
            lock (_poolLock)
            {
                return _freePages.Count;
            }
        }
    }

    internal NetFrontendOptions Options { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> PublishedKeys
    {
        get
        {
            var keys = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [NetKeys.RequestRxCopy] = "1",
                [NetKeys.FeatureRxNotify] = "1",
                [NetKeys.FeatureSg] = "1",
                [NetKeys.FeatureGsoTcpV4] = "1",
                [NetKeys.FeatureGsoTcpV6] = "1",
                [NetKeys.FeaturePersistent] = Backend.Persistent ? "1" : "0",
            };
            var count = _queues.Length;
            if (count > 1)
            {
                keys[NetKeys.MultiQueueNumQueues] = Format(count);
            }

            foreach (var queue in _queues)
            {
                var q = queue.Index;
                keys[NetKeys.QueueKey(q, count, NetKeys.TxRingRef)] = queue.Tx.Offer.RingRefs[0].ToString();
                keys[NetKeys.QueueKey(q, count, NetKeys.RxRingRef)] = queue.Rx.Offer.RingRefs[0].ToString();
                keys[NetKeys.QueueKey(q, count, NetKeys.TxEventChannel)] = Format(queue.Tx.Offer.RequestPort);
                keys[NetKeys.QueueKey(q, count, NetKeys.RxEventChannel)] = Format(queue.Rx.Offer.RequestPort);
                // Both rings answer on one port, which the queue's thread waits on.
                keys[NetKeys.QueueKey(q, count, NetKeys.TxEventChannelResponse)] = Format(queue.Rx.Offer.ResponsePort);
                keys[NetKeys.QueueKey(q, count, NetKeys.RxEventChannelResponse)] = Format(queue.Rx.Offer.ResponsePort);
            }

            return keys;
        }
    }

    /// <summary>
    /// Leases pages for a frame of <paramref name="length"/> bytes, waiting for sent frames to
    /// complete when none are free.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The device is (or gets) disposed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting.</exception>
    public NetTxFrame BeginSend(int length, CancellationToken cancellationToken = default)
    {
        CheckLength(length);
        var spinner = default(SpinWait);
        while (true)
        {
            if (TryBeginSend(length, out var frame))
            {
                return frame;
            }

            ReapAll();
            if (spinner.Count < 4096)
            {
                // Completions are usually microseconds away: spin (and yield) before blocking.
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            lock (_poolLock)
            {
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                if (_freePages.Count < NetifProtocol.PagesFor(length))
                {
                    _waiters++;
                    Monitor.Wait(_poolLock, 1);
                    _waiters--;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Leases pages for a frame of <paramref name="length"/> bytes; false when too few are free now.</summary>
    /// <exception cref="ObjectDisposedException">The device is disposed.</exception>
    public bool TryBeginSend(int length, out NetTxFrame frame)
    {
        CheckLength(length);
        var pages = NetifProtocol.PagesFor(length);
        lock (_poolLock)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (_freePages.Count < pages)
            {
                frame = null!;
                return false;
            }

            frame = _leases.TryPop(out var lease) ? lease : new NetTxFrame(this);
            var array = frame.PageArray;
            for (var i = 0; i < pages; i++)
            {
                array[i] = _freePages.Pop();
            }
        }

        frame.Begin(length, pages);
        return true;
    }

    /// <summary>Sends a copy of <paramref name="data"/> (a convenience over <see cref="BeginSend"/>).</summary>
    public void Send(ReadOnlySpan<byte> data, NetTxOffload offload = default, CancellationToken cancellationToken = default)
    {
        var frame = BeginSend(data.Length, cancellationToken);
        frame.Write(data);
        frame.Send(offload);
    }

    /// <summary>
    /// Stops the device: queue threads end, blocked senders fail with
    /// <see cref="ObjectDisposedException"/>, and every grant is ended. Throws
    /// <see cref="GrantAccessException"/> while the backend still maps a page; call again once it
    /// has unmapped.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            foreach (var queue in _queues)
            {
                queue.Wake();
            }

            foreach (var queue in _queues)
            {
                if (!queue.IsCurrentThread)
                {
                    queue.Join(); // (a receiver disposing the device runs on a queue thread itself)
                }
            }

            lock (_poolLock)
            {
                Monitor.PulseAll(_poolLock);
            }
        }

        if (!ReleaseResources())
        {
            throw new GrantAccessException(GrantError.StillMapped, GrantRef.Invalid, $"vif {Id}: the backend still maps buffers of this device; dispose it again after the backend disconnects.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"vif {Id}";

    internal Span<byte> TxPage(int page) => _memory.Pool.GetPage(_txFirstPage + page);

    /// <summary>Publishes frames sent with <c>more</c> (<see cref="NetTxFrame.Send(NetTxOffload, bool)"/>) on every queue.</summary>
    public void Flush()
    {
        foreach (var queue in _queues)
        {
            lock (queue.TxLock)
            {
                if (!IsDisposed)
                {
                    queue.Tx.Push();
                }
            }
        }
    }

    internal void Send(NetTxFrame frame, NetTxOffload offload, bool more)
    {
        var pages = frame.Pages;
        var length = frame.Length;
        var gso = offload.Gso != NetifGsoType.None;
        if (pages.Length > 1 && !Backend.ScatterGather)
        {
            Cancel(frame);
            throw new InvalidOperationException("The backend does not offer feature-sg: a frame must fit one page.");
        }

        if (gso && (offload.GsoSize == 0 || !(offload.Gso == NetifGsoType.TcpV4 ? Backend.GsoTcpV4 : Backend.GsoTcpV6)))
        {
            Cancel(frame);
            throw new InvalidOperationException($"The backend does not offer GSO {offload.Gso}, or the GSO size is 0.");
        }

        var queue = _queues[0];
        if (_queues.Length > 1)
        {
            var head = TxPage(pages[0]);
            queue = _queues[NetifFlowHash.Queue(head[..Math.Min(head.Length, Math.Min(length, NetifFlowHash.HeaderBytes))], _queues.Length)];
        }

        var slots = pages.Length + (gso ? 1 : 0);
        var flags = (offload.ChecksumBlank ? NetTxFlags.ChecksumBlank : 0) | (offload.DataValidated ? NetTxFlags.DataValidated : 0);
        while (true)
        {
            lock (queue.TxLock)
            {
                if (IsDisposed)
                {
                    break;
                }

                var ring = queue.Tx.Ring;
                if (ring.FreeRequests < slots)
                {
                    queue.Tx.Push(); // frames held back for a burst: the backend must see them to answer them
                    queue.ReapTx();
                }

                if (ring.FreeRequests >= slots)
                {
                    ref var first = ref ring.NextRequest();
                    first = new NetifTxRequest
                    {
                        Gref = _txGrants[pages[0]].Value,
                        Offset = 0,
                        Flags = flags | (gso ? NetTxFlags.ExtraInfo : 0) | (pages.Length > 1 ? NetTxFlags.MoreData : 0),
                        Id = (ushort)pages[0],
                        Size = (ushort)length,
                    };
                    _txQueueOf[pages[0]] = queue.Index;
                    if (gso)
                    {
                        NetifProtocol.AsExtraInfo(ref ring.NextRequest()) = NetifExtraInfo.Gso(offload.Gso, offload.GsoSize);
                    }

                    for (var i = 1; i < pages.Length; i++)
                    {
                        ring.NextRequest() = new NetifTxRequest
                        {
                            Gref = _txGrants[pages[i]].Value,
                            Offset = 0,
                            Flags = i + 1 < pages.Length ? NetTxFlags.MoreData : 0,
                            Id = (ushort)pages[i],
                            Size = (ushort)Math.Min(NetifProtocol.PageSize, length - (i * NetifProtocol.PageSize)),
                        };
                        _txQueueOf[pages[i]] = queue.Index;
                    }

                    // The whole frame is published at once: a backend must never see it in part.
                    if (!more)
                    {
                        queue.Tx.Push();
                    }

                    Interlocked.Increment(ref _txFrames);
                    Interlocked.Add(ref _txBytes, length);
                    ReturnLease(frame);
                    return;
                }
            }

            Thread.Sleep(0); // ring full of extra-info slots: let the queue thread take completions
        }

        Cancel(frame);
        throw new ObjectDisposedException(nameof(NetFrontDevice));
    }

    internal void Cancel(NetTxFrame frame)
    {
        lock (_poolLock)
        {
            foreach (var page in frame.Pages)
            {
                _freePages.Push(page);
            }

            frame.End();
            _leases.Push(frame);
            if (_waiters > 0)
            {
                Monitor.PulseAll(_poolLock);
            }
        }
    }

    /// <summary>Pages whose tx responses arrived on <paramref name="queue"/> (caller holds its tx lock).</summary>
    internal void Completed(int queue, ReadOnlySpan<int> pages)
    {
        lock (_poolLock)
        {
            foreach (var page in pages)
            {
                if ((uint)page >= (uint)_txQueueOf.Length || _txQueueOf[page] != queue)
                {
                    _strayResponses++;
                    continue;
                }

                _txQueueOf[page] = -1;
                _freePages.Push(page);
            }

            if (_waiters > 0)
            {
                Monitor.PulseAll(_poolLock);
            }
        }
    }

    internal void Deliver(NetReceivedFrame frame)
    {
        if (_receiver is null)
        {
            CountRxDropped();
            return;
        }

        Interlocked.Increment(ref _rxFrames);
        Interlocked.Add(ref _rxBytes, frame.Length);
        _receiver(frame);
    }

    internal void CountTxError() => Interlocked.Increment(ref _txErrors);

    internal void CountRxDropped() => Interlocked.Increment(ref _rxDropped);

    private void ReturnLease(NetTxFrame frame)
    {
        frame.End();
        lock (_poolLock)
        {
            _leases.Push(frame);
        }
    }

    private void ReapAll()
    {
        foreach (var queue in _queues)
        {
            lock (queue.TxLock)
            {
                if (!IsDisposed)
                {
                    queue.Tx.Push(); // a burst held back with "more" must reach the backend to come back
                }

                queue.ReapTx();
            }
        }
    }

    private static void CheckLength(int length)
    {
        if (length is < NetifProtocol.MinFrameSize or > NetifProtocol.MaxFrameSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A frame is {NetifProtocol.MinFrameSize}..{NetifProtocol.MaxFrameSize} bytes.");
        }
    }

    /// <summary>Ends grants and frees pages, as far as the backend lets; true when all is released.</summary>
    private bool ReleaseResources()
    {
        if (_released)
        {
            return true;
        }

        var all = true;
        if (!_txGrantsEnded && _txFirstPage >= 0)
        {
            for (var i = 0; i < _txGrants.Length; i++)
            {
                if (_txGrants[i].Value != 0)
                {
                    if (_memory.Grants.TryEndAccess(_txGrants[i]))
                    {
                        _txGrants[i] = default;
                    }
                    else
                    {
                        all = false;
                    }
                }
            }

            if (all)
            {
                _memory.Pages.Free(_txFirstPage, TxPageCount);
                _txGrantsEnded = true;
            }
        }

        for (var q = 0; q < _queues.Length; q++)
        {
            if (_queues[q] is null)
            {
                continue;
            }

            try
            {
                all &= _queues[q].TryRelease(ref _rxGrantsEnded[q]);
            }
            catch (GrantAccessException)
            {
                all = false;
            }
        }

        _released = all;
        return all;
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
