using System.Diagnostics;
using System.Runtime.CompilerServices;
using ParaIo.Backend.Bridge;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.Backend.Net;

/// <summary>
/// One queue pair of a vif: the tx ring with its thread, and the rx ring driven under a lock by
/// whichever thread the bridge delivers on. Frames that find too few rx buffers wait in a bounded
/// backlog, which an rx thread drains when the guest posts more.
/// </summary>
internal sealed unsafe class VifQueue
{
    private const int IdleTimeoutMs = 1000;

    private readonly NetBackendDevice _device;
    private readonly BackQueue<NetifTxRequest, NetifTxResponse> _tx;
    private readonly BackQueue<NetifRxRequest, NetifRxResponse> _rx;
    private readonly GrantCache _txGrants;
    private readonly GrantCache _rxGrants;
    private readonly Thread _txThread;
    private readonly Thread? _rxThread;
    private readonly Lock _rxLock = new();

    // Private to the tx thread: the copies of one frame's slots and its mappings.
    private readonly NetifTxRequest[] _slots = new NetifTxRequest[NetifProtocol.FatalSlots];
    private readonly NetifTxRequest[] _extras = new NetifTxRequest[NetifProtocol.MaxExtraSlots];
    private readonly GrantMapping[] _txMappings = new GrantMapping[NetifProtocol.FatalSlots];
    private readonly EthernetFrame _frame = new(NetifProtocol.FatalSlots);

    // Under _rxLock: frames waiting for buffers (null: none are held), the view of the oldest one,
    // rx requests taken off the ring while too few for it (so req_event could be armed past them),
    // and when the backlog last moved or filled (TickCount64, for the stall timeout).
    private readonly RxBacklog? _backlog;
    private readonly EthernetFrame _backlogFrame = new(1);
    private readonly NetifRxRequest[] _stash;
    private int _stashHead;
    private int _stashCount;
    private long _backlogSince;
    private bool _rxClosed;
    private RxPushBatch? _deferredBy; // under _rxLock: the batch that will publish this rx ring's responses

    public VifQueue(NetBackendDevice device, int index, BackQueue<NetifTxRequest, NetifTxResponse> tx, BackQueue<NetifRxRequest, NetifRxResponse> rx, GrantMapper mapper)
    {
        _device = device;
        _tx = tx;
        _rx = rx;
        var persistent = device.Features.Persistent;
        _txGrants = new GrantCache(mapper, GrantAccess.Read, persistent, device.Options.MaxPersistentGrants);
        _rxGrants = new GrantCache(mapper, GrantAccess.Write, persistent, device.Options.MaxPersistentGrants);
        _txThread = new Thread(ServeTx) { IsBackground = true, Name = $"vif {device.Address} tx{index}" };
        _stash = new NetifRxRequest[rx.Ring.Size];
        var options = device.Options;
        if (options.RxBacklogBytes > 0 && options.RxBacklogFrames > 0)
        {
            _backlog = new RxBacklog(options.RxBacklogBytes, options.RxBacklogFrames);
            _rxThread = new Thread(ServeRx) { IsBackground = true, Name = $"vif {device.Address} rx{index}" };
        }
    }

    /// <summary>Frames waiting in the backlog.</summary>
    public int BacklogFrames
    {
        get
        {
            lock (_rxLock)
            {
                return _backlog?.Count ?? 0;
            }
        }
    }

    /// <summary>Bytes of backlog storage held (0 until a frame first waits, at most the bound).</summary>
    public int BacklogStorageBytes
    {
        get
        {
            lock (_rxLock)
            {
                return _backlog?.StorageBytes ?? 0;
            }
        }
    }

    public int PersistentGrants => _txGrants.Count + _rxGrants.Count;

    public void Start()
    {
        _txThread.Start();
        _rxThread?.Start();
    }

    /// <summary>Wakes the tx and rx threads if they sleep, so they see the device stopping.</summary>
    public void Interrupt()
    {
        _tx.Requests.Interrupt();
        _rx.Requests.Interrupt();
    }

    /// <summary>After the tx thread ended and the port left the bridge: drops what waits, unmaps everything.</summary>
    public void Close()
    {
        // The stop token is cancelled, so the rx thread's wait returns and it sees the device stopping.
        _rxThread?.Join();
        lock (_rxLock)
        {
            _rxClosed = true;
            _device.Counters.CountRxDrop(NetRxDrop.Stopped, _backlog?.Release() ?? 0);
            _stashCount = 0;
            _rxGrants.Clear();
            _rx.Dispose();
        }

        _txGrants.Clear();
        _tx.Dispose();
    }

    private void ServeTx()
    {
        var ring = _tx.Ring;
        var batch = _device.Options.TxBatch;
        var rxBatch = RxPushBatch.Begin();
        try
        {
            while (!_device.Stopping)
            {
                var taken = 0;
                while (taken < batch && ring.TryConsumeRequest(out var first))
                {
                    taken++;
                    if (!TakeFrame(ring, ref first))
                    {
                        break;
                    }
                }

                // One publish (and at most one notify) per ring for the whole batch: first the
                // frames the receivers wait for, then the senders' completions.
                rxBatch.Flush();
                _tx.Push();
                if (ring.Fault is { } fault)
                {
                    _device.Fail(fault.Reason);
                    break;
                }

                if (taken == 0 && !PollForRequests(ring) && !ring.FinalCheckForRequests())
                {
                    _tx.Requests.Wait(TimeSpan.Zero, IdleTimeoutMs, _device.StopToken);
                }
            }
        }
        catch (Exception e)
        {
            // Nothing a guest sends should get here; if something does, the device dies, not the daemon.
            _device.LogError(e, "tx thread failed");
            _device.Fail("the network backend's tx thread failed: " + e.Message);
        }
        finally
        {
            rxBatch.Flush();
            _device.TxThreadEnded();
        }
    }

    /// <summary>
    /// Looks for requests for up to the spin time before the thread sleeps, yielding the CPU
    /// between looks. A pause loop would hold a core the sending guest, or a receiving guest's
    /// queue thread, may need: on a small machine they outnumber the cores.
    /// </summary>
    private bool PollForRequests(BackRing<NetifTxRequest, NetifTxResponse> ring)
    {
        var spin = _device.Options.Spin;
        if (spin <= TimeSpan.Zero)
        {
            return false;
        }

        var until = Stopwatch.GetTimestamp() + (long)(spin.TotalSeconds * Stopwatch.Frequency);
        do
        {
            Thread.Yield();
            if (ring.UnconsumedRequests != 0)
            {
                return true;
            }
        }
        while (Stopwatch.GetTimestamp() < until && !_device.Stopping);
        return false;
    }

    /// <summary>
    /// Takes the rest of the frame whose first slot is <paramref name="first"/> (a private copy),
    /// checks it, forwards it and writes its responses. False on a fatal violation (ring failed).
    /// </summary>
    private bool TakeFrame(BackRing<NetifTxRequest, NetifTxResponse> ring, ref NetifTxRequest first)
    {
        var counters = _device.Counters;
        var offload = new FrameOffload(
            (first.Flags & NetTxFlags.ChecksumBlank) != 0,
            (first.Flags & NetTxFlags.DataValidated) != 0,
            FrameGso.None,
            0);

        var extras = 0;
        if ((first.Flags & NetTxFlags.ExtraInfo) != 0)
        {
            byte more;
            do
            {
                if (extras == _extras.Length)
                {
                    return Fatal(ring, $"frame {first.Id} carries more than {NetifProtocol.MaxExtraSlots} extra-info slots");
                }

                if (!ring.TryConsumeRequest(out _extras[extras]))
                {
                    return Fatal(ring, $"frame {first.Id}: missing extra info (req_prod ends inside the frame)");
                }

                ref var extra = ref NetifProtocol.AsExtraInfo(ref _extras[extras++]);
                if (extra.Type is NetifExtraType.None or > NetifExtraType.Xdp)
                {
                    return Fatal(ring, $"frame {first.Id}: invalid extra-info type {(byte)extra.Type}");
                }

                if (extra.Type == NetifExtraType.Gso)
                {
                    if (extra.GsoSize == 0)
                    {
                        return Fatal(ring, $"frame {first.Id}: GSO size must not be zero");
                    }

                    if (extra.GsoType is not (NetifGsoType.TcpV4 or NetifGsoType.TcpV6))
                    {
                        return Fatal(ring, $"frame {first.Id}: bad GSO type {(byte)extra.GsoType}");
                    }

                    offload = offload with { Gso = (FrameGso)extra.GsoType, GsoSize = extra.GsoSize };
                }

                more = (byte)(extra.Flags & NetifProtocol.ExtraFlagMore);
            }
            while (more != 0);
        }

        // Count the data slots as Linux's xenvif_count_requests does: the first slot's size is the
        // frame's; each later slot's size is taken from what is left of it.
        _slots[0] = first;
        var count = 1;
        int remaining = first.Size;
        var malformed = (NetTxMalformed)(-1);
        var flags = first.Flags;
        while ((flags & NetTxFlags.MoreData) != 0)
        {
            if (count >= NetifProtocol.FatalSlots)
            {
                return Fatal(ring, $"frame {first.Id} uses more than {NetifProtocol.FatalSlots} slots: a malicious frontend");
            }

            if (!ring.TryConsumeRequest(out _slots[count]))
            {
                return Fatal(ring, $"frame {first.Id}: more_data past req_prod (a frame must be published whole)");
            }

            ref readonly var slot = ref _slots[count++];
            if ((int)malformed < 0 && count > NetifProtocol.MaxSlots)
            {
                malformed = NetTxMalformed.TooManySlots;
            }

            if ((int)malformed < 0 && slot.Size > remaining)
            {
                malformed = NetTxMalformed.SlotSize;
            }

            remaining = Math.Max(0, remaining - slot.Size);
            if (slot.Offset + slot.Size > NetifProtocol.PageSize)
            {
                return Fatal(ring, $"frame {first.Id}: slot {count - 1} crosses its page (offset {slot.Offset}, size {slot.Size})");
            }

            flags = slot.Flags;
        }

        // The first slot's own bytes: what is left of the frame size.
        if (first.Offset + remaining > NetifProtocol.PageSize)
        {
            return Fatal(ring, $"frame {first.Id}: first slot crosses its page (offset {first.Offset}, size {remaining})");
        }

        if ((int)malformed < 0 && first.Size < NetifProtocol.MinFrameSize)
        {
            malformed = NetTxMalformed.TooShort;
        }

        if (!_device.ValidateTx)
        {
            malformed = (NetTxMalformed)(-1); // the broken control of the hostile tests
        }

        var status = NetifStatus.Okay;
        if ((int)malformed >= 0)
        {
            counters.CountMalformed(malformed);
            status = NetifStatus.Error;
        }
        else
        {
            status = Forward(count, remaining, offload);
        }

        Answer(ring, count, extras, status);
        return true;
    }

    /// <summary>Maps the frame's pages, hands it to the bridge (or the vNIC's shaper), unmaps (unless kept).</summary>
    private NetifStatus Forward(int count, int firstLength, FrameOffload offload)
    {
        var frame = _frame;
        frame.Clear();
        var mapped = 0;
        var status = NetifStatus.Okay;
        for (; mapped < count; mapped++)
        {
            ref readonly var slot = ref _slots[mapped];
            if (!_txGrants.TryMap(slot.Gref, out var page, out _txMappings[mapped], out _))
            {
                _device.Counters.CountMalformed(NetTxMalformed.BadGrant);
                status = NetifStatus.Error;
                break;
            }

            frame.Append(page + slot.Offset, mapped == 0 ? firstLength : slot.Size);
        }

        if (status == NetifStatus.Okay)
        {
            frame.Offload = offload;
            _device.Counters.CountTx(frame.Length, offload.Gso != FrameGso.None);
            if (_device.Egress is { } egress)
            {
                // Shaped: a private copy waits in the vNIC's class queue (or is dropped and counted there).
                egress.Send(_device.Port, frame);
            }
            else
            {
                ((VifPort)_device.Port).ForwardFrame(frame);
            }
        }

        frame.Clear();
        for (var i = 0; i < mapped; i++)
        {
            _txGrants.Release(_txMappings[i]);
            _txMappings[i] = default;
        }

        return status;
    }

    /// <summary>Answers the frame's slots in the order taken: first, its extra-info slots (NULL), the rest.</summary>
    private void Answer(BackRing<NetifTxRequest, NetifTxResponse> ring, int count, int extras, NetifStatus status)
    {
        ring.WriteResponse(new NetifTxResponse { Id = _slots[0].Id, Status = status });
        for (var i = 0; i < extras; i++)
        {
            ring.WriteResponse(new NetifTxResponse { Id = 0, Status = NetifStatus.Null });
        }

        for (var i = 1; i < count; i++)
        {
            ring.WriteResponse(new NetifTxResponse { Id = _slots[i].Id, Status = status });
        }
    }

    private bool Fatal(BackRing<NetifTxRequest, NetifTxResponse> ring, string reason)
    {
        reason = "protocol violation: " + reason;
        ring.Fail(RingFaultKind.BadRequest, reason);
        _device.Fail(reason);
        return false;
    }

    /// <summary>
    /// Copies one frame into buffers the guest posted on this queue's rx ring; when too few are
    /// posted, copies it into the backlog to wait for more, behind any frames already waiting;
    /// drops it when the backlog is full too. Never waits for the guest.
    /// </summary>
    public bool Deliver(in EgressFrame frame)
    {
        var counters = _device.Counters;
        var features = _device.Features;
        var length = frame.Length;
        var gso = frame.Offload.Gso;
        if (gso != FrameGso.None && !(gso == FrameGso.TcpV4 ? features.GsoTcpV4 : features.GsoTcpV6))
        {
            counters.CountRxDrop(NetRxDrop.GsoNotOffered);
            return false;
        }

        if (NetifProtocol.PagesFor(length) > 1 && !features.ScatterGather)
        {
            counters.CountRxDrop(NetRxDrop.NeedsScatterGather);
            return false;
        }

        lock (_rxLock)
        {
            var ring = _rx.Ring;
            if (_rxClosed || _device.Stopping)
            {
                counters.CountRxDrop(NetRxDrop.Stopped);
                return false;
            }

            // Frames that waited go first: a newer frame never overtakes them.
            if (_backlog is { Count: > 0 })
            {
                DrainBacklog(ring);
            }

            if (_backlog is { Count: > 0 } || Posted(ring) < SlotsFor(length, gso))
            {
                return Hold(ring, frame);
            }

            var delivered = WriteFrame(ring, frame);
            PublishOrDefer();
            if (!delivered)
            {
                counters.CountRxDrop(NetRxDrop.BadGrant);
                return false;
            }
        }

        counters.CountRx(length, gso != FrameGso.None);
        return true;
    }

    /// <summary>Buffers a frame needs: one a page of data, and one for the GSO extra-info slot.</summary>
    private static int SlotsFor(int length, FrameGso gso) => NetifProtocol.PagesFor(length) + (gso != FrameGso.None ? 1 : 0);

    /// <summary>Buffers at hand: those taken into the stash and those posted on the ring. Caller holds the rx lock.</summary>
    private int Posted(BackRing<NetifRxRequest, NetifRxResponse> ring) => _stashCount + ring.UnconsumedRequests;

    /// <summary>Puts a frame that found too few buffers into the backlog, or drops it. Caller holds the rx lock.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Hold(BackRing<NetifRxRequest, NetifRxResponse> ring, in EgressFrame frame)
    {
        var counters = _device.Counters;
        if (ring.Fault is { } fault)
        {
            _device.Fail(fault.Reason);
            counters.CountRxDrop(NetRxDrop.Stopped);
            return false;
        }

        var backlog = _backlog;
        if (backlog is null)
        {
            counters.CountRxDrop(NetRxDrop.NoBuffers);
            return false;
        }

        var wasEmpty = backlog.Count == 0;
        if (!backlog.TryAdd(frame))
        {
            counters.CountRxDrop(NetRxDrop.BacklogFull);
            return false;
        }

        counters.CountRxBacklogged();
        if (wasEmpty)
        {
            // The rx thread sleeps while nothing waits: wake it (our own end of the guest's
            // request port) so it arms req_event and drains once the guest posts buffers.
            _backlogSince = Environment.TickCount64;
            _rx.Requests.Notify();
        }

        return true;
    }

    /// <summary>
    /// Copies waiting frames, oldest first, into posted buffers while there are enough for the
    /// oldest, and publishes their responses. Caller holds the rx lock.
    /// </summary>
    private void DrainBacklog(BackRing<NetifRxRequest, NetifRxResponse> ring)
    {
        var backlog = _backlog!;
        var counters = _device.Counters;
        var moved = false;
        while (backlog.Count > 0)
        {
            ref readonly var oldest = ref backlog.Oldest;
            var gso = oldest.Offload.Gso;
            var length = oldest.Length;
            if (Posted(ring) < SlotsFor(length, gso))
            {
                break;
            }

            backlog.LoadOldest(_backlogFrame);
            var delivered = WriteFrame(ring, new EgressFrame(_backlogFrame, EgressFrame.TagEdit.None, 0));
            _backlogFrame.Clear();
            backlog.RemoveOldest();
            moved = true;
            if (delivered)
            {
                counters.CountRx(length, gso != FrameGso.None);
            }
            else
            {
                counters.CountRxDrop(NetRxDrop.BadGrant);
            }
        }

        if (moved)
        {
            _backlogSince = Environment.TickCount64; // the guest is taking frames: not stalled
            PublishOrDefer();
        }
    }

    /// <summary>
    /// Serves the backlog: sleeps on the rx ring's request port while frames wait, with req_event
    /// armed so the guest's next posting wakes it, and drains them in order; drops them if the
    /// guest posts nothing for <see cref="NetBackendOptions.RxStallTimeout"/>. While nothing
    /// waits it sleeps until <see cref="Hold"/> wakes it, so an idle queue costs no CPU.
    /// </summary>
    private void ServeRx()
    {
        var port = _rx.Requests;
        var stallMs = (long)_device.Options.RxStallTimeout.TotalMilliseconds;
        var waitMs = (int)Math.Clamp(stallMs / 4, 1, IdleTimeoutMs);
        try
        {
            while (!_device.Stopping)
            {
                var waiting = false;
                lock (_rxLock)
                {
                    var backlog = _backlog!;
                    if (_rxClosed)
                    {
                        break;
                    }

                    if (backlog.Count > 0)
                    {
                        var ring = _rx.Ring;
                        DrainBacklog(ring);
                        if (ring.Fault is { } fault)
                        {
                            _device.Fail(fault.Reason);
                            break;
                        }

                        if (backlog.Count > 0 && Environment.TickCount64 - _backlogSince >= stallMs)
                        {
                            _device.Counters.CountRxDrop(NetRxDrop.Stalled, backlog.Clear());
                        }
                        else if (backlog.Count > 0)
                        {
                            // Take what is posted (too little for the oldest frame) into the stash,
                            // so req_event can be armed past it: the guest's next posting notifies.
                            StashPosted(ring);
                            if (ring.FinalCheckForRequests())
                            {
                                continue; // posted meanwhile: drain again
                            }

                            waiting = true;
                        }
                    }
                }

                port.Wait(TimeSpan.Zero, waiting ? waitMs : IdleTimeoutMs, _device.StopToken);
            }
        }
        catch (Exception e)
        {
            _device.LogError(e, "rx thread failed");
            _device.Fail("the network backend's rx thread failed: " + e.Message);
        }
    }

    /// <summary>Consumes every posted request into the stash (private copies). Caller holds the rx lock.</summary>
    private void StashPosted(BackRing<NetifRxRequest, NetifRxResponse> ring)
    {
        // Consumed and unanswered requests never exceed the ring's size, so the stash cannot overflow.
        while (_stashCount < _stash.Length && ring.TryConsumeRequest(out var request))
        {
            var tail = _stashHead + _stashCount;
            _stash[tail >= _stash.Length ? tail - _stash.Length : tail] = request;
            _stashCount++;
        }
    }

    /// <summary>The next posted buffer: the oldest stashed one, else the next on the ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TakeBuffer(BackRing<NetifRxRequest, NetifRxResponse> ring, out NetifRxRequest request)
    {
        if (_stashCount == 0)
        {
            ring.TryConsumeRequest(out request);
            return;
        }

        request = _stash[_stashHead];
        _stashHead = _stashHead + 1 == _stash.Length ? 0 : _stashHead + 1;
        _stashCount--;
    }

    /// <summary>
    /// Writes one frame into posted buffers (the caller checked there are enough), responses in
    /// ring order. False when a buffer's grant was refused (that slot is answered ERROR).
    /// </summary>
    private bool WriteFrame(BackRing<NetifRxRequest, NetifRxResponse> ring, in EgressFrame frame)
    {
        var length = frame.Length;
        var gso = frame.Offload.Gso;
        var dataSlots = NetifProtocol.PagesFor(length);
        var flags = NetRxFlags.None;
        if (frame.Offload.ChecksumBlank)
        {
            flags |= NetRxFlags.ChecksumBlank | NetRxFlags.DataValidated;
        }
        else if (frame.Offload.DataValidated)
        {
            flags |= NetRxFlags.DataValidated;
        }

        var bad = false;
        var offset = 0;
        for (var i = 0; i < dataSlots; i++)
        {
            var chunk = Math.Min(NetifProtocol.PageSize, length - offset);
            var slotFlags = i + 1 < dataSlots ? NetRxFlags.MoreData : NetRxFlags.None;
            if (i == 0)
            {
                slotFlags |= flags | (gso != FrameGso.None ? NetRxFlags.ExtraInfo : NetRxFlags.None);
            }

            bad |= !CopyInto(ring, frame, offset, chunk, slotFlags);
            offset += chunk;
            if (i == 0 && gso != FrameGso.None)
            {
                // The extra-info slot follows the first response and uses up one posted buffer.
                TakeBuffer(ring, out _);
                var extra = NetifExtraInfo.Gso((NetifGsoType)gso, frame.Offload.GsoSize);
                ring.WriteResponse(NetifProtocol.AsRxResponse(ref extra));
            }
        }

        return !bad;
    }

    /// <summary>
    /// Publishes the rx responses just written, or leaves that to the calling tx thread's batch
    /// (<see cref="RxPushBatch"/>), which publishes them when it ends its batch. Caller holds the rx lock.
    /// </summary>
    private void PublishOrDefer()
    {
        var batch = RxPushBatch.Current;
        if (batch is not null)
        {
            if (_deferredBy == batch)
            {
                return;
            }

            if (_deferredBy is null && batch.TryAdd(this))
            {
                _deferredBy = batch;
                return;
            }
        }

        _rx.Push();
    }

    /// <summary>Publishes the responses <paramref name="batch"/> deferred (unless the ring closed meanwhile).</summary>
    public void PublishDeferred(RxPushBatch batch)
    {
        lock (_rxLock)
        {
            if (_deferredBy != batch)
            {
                return;
            }

            _deferredBy = null;
            if (!_rxClosed)
            {
                _rx.Push();
            }
        }
    }

    /// <summary>Takes one posted buffer (a private copy of its request) and copies a chunk into it.</summary>
    private bool CopyInto(BackRing<NetifRxRequest, NetifRxResponse> ring, in EgressFrame frame, int offset, int chunk, NetRxFlags flags)
    {
        TakeBuffer(ring, out var request);
        if (!_rxGrants.TryMap(request.Gref, out var page, out var transient, out _))
        {
            ring.WriteResponse(new NetifRxResponse { Id = request.Id, Flags = flags, Status = (short)NetifStatus.Error });
            return false;
        }

        frame.CopyTo(offset, new Span<byte>(page, chunk));
        _rxGrants.Release(transient);
        ring.WriteResponse(new NetifRxResponse { Id = request.Id, Offset = 0, Flags = flags, Status = (short)chunk });
        return true;
    }
}
