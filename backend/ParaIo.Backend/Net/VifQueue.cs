using System.Diagnostics;
using ParaIo.Backend.Bridge;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.Backend.Net;

/// <summary>
/// One queue pair of a vif: the tx ring with its thread, and the rx ring driven under a lock by
/// whichever thread the bridge delivers on.
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
    private readonly Lock _rxLock = new();

    // Private to the tx thread: the copies of one frame's slots and its mappings.
    private readonly NetifTxRequest[] _slots = new NetifTxRequest[NetifProtocol.FatalSlots];
    private readonly NetifTxRequest[] _extras = new NetifTxRequest[NetifProtocol.MaxExtraSlots];
    private readonly GrantMapping[] _txMappings = new GrantMapping[NetifProtocol.FatalSlots];
    private readonly EthernetFrame _frame = new(NetifProtocol.FatalSlots);
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
    }

    public int PersistentGrants => _txGrants.Count + _rxGrants.Count;

    public void Start() => _txThread.Start();

    /// <summary>Wakes the tx thread if it sleeps, so it sees the device stopping.</summary>
    public void Interrupt() => _tx.Requests.Interrupt();

    /// <summary>After the tx thread ended and the port left the bridge: unmaps everything.</summary>
    public void Close()
    {
        lock (_rxLock)
        {
            _rxClosed = true;
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

    /// <summary>Maps the frame's pages, hands it to the bridge, unmaps (unless kept).</summary>
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
            ((VifPort)_device.Port).ForwardFrame(frame);
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

    /// <summary>Copies one frame into buffers the guest posted on this queue's rx ring, or drops it.</summary>
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

        var dataSlots = NetifProtocol.PagesFor(length);
        if (dataSlots > 1 && !features.ScatterGather)
        {
            counters.CountRxDrop(NetRxDrop.NeedsScatterGather);
            return false;
        }

        var needed = dataSlots + (gso != FrameGso.None ? 1 : 0);
        lock (_rxLock)
        {
            var ring = _rx.Ring;
            if (_rxClosed || _device.Stopping)
            {
                counters.CountRxDrop(NetRxDrop.Stopped);
                return false;
            }

            if (ring.UnconsumedRequests < needed)
            {
                if (ring.Fault is { } fault)
                {
                    _device.Fail(fault.Reason);
                    counters.CountRxDrop(NetRxDrop.Stopped);
                    return false;
                }

                counters.CountRxDrop(NetRxDrop.NoBuffers);
                return false;
            }

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
                    ring.TryConsumeRequest(out _);
                    var extra = NetifExtraInfo.Gso((NetifGsoType)gso, frame.Offload.GsoSize);
                    ring.WriteResponse(NetifProtocol.AsRxResponse(ref extra));
                }
            }

            PublishOrDefer();
            if (bad)
            {
                counters.CountRxDrop(NetRxDrop.BadGrant);
                return false;
            }
        }

        counters.CountRx(length, gso != FrameGso.None);
        return true;
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
        ring.TryConsumeRequest(out var request);
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
