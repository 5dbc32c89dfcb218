using System.Diagnostics;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Net;

/// <summary>
/// One queue pair of a vif frontend: the tx ring (written under a lock by senders), the rx ring
/// with its posted buffers, and the thread that takes tx completions and received frames. Both
/// rings' responses ring one port (Xen's one event channel a queue), so one thread serves both.
/// </summary>
internal sealed class NetFrontQueue
{
    private const int IdleTimeoutMs = 1000;

    // Buffers taken back are posted again in groups of this many (one publish each), and at the
    // end of every pass: often enough that the backend never waits on a pass of a whole ring.
    private const int RepostBatch = 32;

    private readonly NetFrontDevice _device;
    private readonly GuestMemory _memory;
    private readonly int _rxFirstPage;
    private readonly GrantRef[] _rxGrants;
    private readonly int[] _postedAt;        // rx ring position & mask → buffer posted there
    private readonly int[] _held;             // buffers of the frame being assembled, to post again
    private readonly int[] _reaped;
    private readonly NetReceivedFrame _frame;
    private readonly Thread _thread;
    private int _heldCount;
    private int _unpublished;
    private bool _expectExtra;
    private bool _dataDone;
    private bool _bad;

    public NetFrontQueue(NetFrontDevice device, GuestMemory memory, int index, NetFrontendOptions options)
    {
        _device = device;
        _memory = memory;
        Index = index;
        Tx = memory.CreateQueue<NetifTxRequest, NetifTxResponse>(options.BackendDomain, 0);
        try
        {
            Rx = memory.CreateQueue<NetifRxRequest, NetifRxResponse>(options.BackendDomain, 0);
        }
        catch
        {
            Tx.Dispose();
            throw;
        }

        var size = (int)Rx.Ring.Size;
        RxPages = Math.Min(options.RxPages, size);
        _postedAt = new int[size];
        Array.Fill(_postedAt, -1);
        _held = new int[RxPages];
        _reaped = new int[(int)Tx.Ring.Size];
        _rxGrants = new GrantRef[RxPages];
        _frame = new NetReceivedFrame(device, index, NetifProtocol.FatalSlots) { Owner = this };
        _rxFirstPage = memory.Pages.Allocate(RxPages);
        for (var i = 0; i < RxPages; i++)
        {
            _rxGrants[i] = memory.Grants.GrantAccess(options.BackendDomain, _rxFirstPage + i, readOnly: false);
            Post(i);
        }

        Rx.Push();
        _thread = new Thread(Run) { IsBackground = true, Name = $"vif queue {index}" };
    }

    public int Index { get; }

    public int RxPages { get; }

    public FrontQueue<NetifTxRequest, NetifTxResponse> Tx { get; }

    public FrontQueue<NetifRxRequest, NetifRxResponse> Rx { get; }

    /// <summary>Senders write the tx ring under it; the queue thread takes tx responses under it.</summary>
    public Lock TxLock { get; } = new();

    public void Start() => _thread.Start();

    public Span<byte> RxPage(int buffer) => _memory.Pool.GetPage(_rxFirstPage + buffer);

    /// <summary>Wakes the queue thread (it waits on this, its own, port).</summary>
    public void Wake() => Rx.Responses.Notify();

    public void Join() => _thread.Join();

    public bool IsCurrentThread => Thread.CurrentThread == _thread;

    /// <summary>Ends the rx grants and frees the pages and rings; false while the backend still maps any.</summary>
    public bool TryRelease(ref bool rxGrantsEnded)
    {
        if (!rxGrantsEnded)
        {
            var all = true;
            for (var i = 0; i < _rxGrants.Length; i++)
            {
                if (_rxGrants[i].Value != 0)
                {
                    if (_memory.Grants.TryEndAccess(_rxGrants[i]))
                    {
                        _rxGrants[i] = default;
                    }
                    else
                    {
                        all = false;
                    }
                }
            }

            if (!all)
            {
                return false;
            }

            _memory.Pages.Free(_rxFirstPage, RxPages);
            rxGrantsEnded = true;
        }

        Tx.Dispose(); // throws while the backend maps the ring; callers retry
        Rx.Dispose();
        return true;
    }

    /// <summary>Takes tx responses and returns their pages to the device (caller holds <see cref="TxLock"/>).</summary>
    public int ReapTx()
    {
        var count = 0;
        while (count < _reaped.Length && Tx.Ring.TryTakeResponse(out var response))
        {
            if (response.Status == NetifStatus.Null)
            {
                continue; // an extra-info slot
            }

            if (response.Status != NetifStatus.Okay)
            {
                _device.CountTxError();
            }

            _reaped[count++] = response.Id;
        }

        if (count > 0)
        {
            _device.Completed(Index, _reaped.AsSpan(0, count));
        }

        return count;
    }

    private void Run()
    {
        var spin = _device.Options.Spin;
        var spinTicks = (long)(spin.TotalSeconds * Stopwatch.Frequency);
        while (!_device.IsDisposed)
        {
            int reaped;
            lock (TxLock)
            {
                reaped = ReapTx();
            }

            var received = Receive();
            if (reaped != 0 || received != 0 || Poll(spinTicks))
            {
                continue;
            }

            bool idle;
            lock (TxLock)
            {
                idle = !Tx.Ring.FinalCheckForResponses();
            }

            if (idle && !Rx.Ring.FinalCheckForResponses() && Rx.Ring.Fault is null)
            {
                Rx.Responses.Wait(TimeSpan.Zero, IdleTimeoutMs);
            }
            else if (Rx.Ring.Fault is not null)
            {
                Rx.Responses.Wait(TimeSpan.Zero, IdleTimeoutMs); // a broken backend: nothing more comes
            }
        }
    }

    /// <summary>
    /// Looks for responses on either ring for up to <paramref name="spinTicks"/> before the thread
    /// arms its event indices and sleeps, yielding the CPU between looks: a pause loop would hold
    /// a core that the backend, or a sender, needs to make those responses on a small machine.
    /// </summary>
    private bool Poll(long spinTicks)
    {
        if (spinTicks <= 0)
        {
            return false;
        }

        var until = Stopwatch.GetTimestamp() + spinTicks;
        do
        {
            Thread.Yield();
            if (Rx.Ring.UnconsumedResponses != 0)
            {
                return true;
            }

            lock (TxLock)
            {
                if (Tx.Ring.UnconsumedResponses != 0)
                {
                    return true;
                }
            }
        }
        while (Stopwatch.GetTimestamp() < until && !_device.IsDisposed);
        return false;
    }

    /// <summary>Takes rx responses, assembles frames, hands them to the receiver and posts their buffers again.</summary>
    private int Receive()
    {
        var ring = Rx.Ring;
        var mask = (int)ring.Size - 1;
        var taken = 0;
        while (taken < _postedAt.Length)
        {
            var position = (int)ring.ResponseConsumer & mask;
            if (!ring.TryTakeResponse(out var response))
            {
                break;
            }

            taken++;
            var buffer = _postedAt[position];
            if ((uint)buffer >= (uint)RxPages)
            {
                continue; // not ours (a stray response): nothing was posted there
            }

            _postedAt[position] = -1;
            _held[_heldCount++] = buffer;
            if (_expectExtra)
            {
                ref var extra = ref NetifProtocol.AsExtraInfo(ref response);
                if (extra.Type == NetifExtraType.Gso)
                {
                    _frame.Gso = extra.GsoType;
                    _frame.GsoSize = extra.GsoSize;
                }

                _expectExtra = (extra.Flags & NetifProtocol.ExtraFlagMore) != 0;
            }
            else
            {
                if (_frame.SegmentCount == 0 && !_bad && !_dataDone && _heldCount == 1)
                {
                    _frame.Flags = response.Flags;
                    _expectExtra = (response.Flags & NetRxFlags.ExtraInfo) != 0;
                }

                if (response.Status < 0 || response.Offset + response.Status > NetifProtocol.PageSize || _frame.SegmentCount == _frame.MaxSegments)
                {
                    _bad = true;
                }
                else if (response.Status > 0)
                {
                    _frame.Add(buffer, response.Offset, (ushort)response.Status);
                }

                _dataDone = (response.Flags & NetRxFlags.MoreData) == 0;
            }

            if (_dataDone && !_expectExtra)
            {
                Complete();
            }
        }

        if (_unpublished > 0)
        {
            Rx.Push();
            _unpublished = 0;
        }

        return taken;
    }

    private void Complete()
    {
        if (_bad || _frame.Length == 0)
        {
            _device.CountRxDropped();
        }
        else
        {
            _device.Deliver(_frame);
        }

        if (!_device.IsDisposed)
        {
            for (var i = 0; i < _heldCount; i++)
            {
                Post(_held[i]);
            }

            _unpublished += _heldCount;
            if (_unpublished >= RepostBatch)
            {
                Rx.Push();
                _unpublished = 0;
            }
        }

        _heldCount = 0;
        _frame.Reset();
        _bad = false;
        _dataDone = false;
        _expectExtra = false;
    }

    private void Post(int buffer)
    {
        var ring = Rx.Ring;
        _postedAt[(int)(ring.RequestProducer & (ring.Size - 1))] = buffer;
        ring.NextRequest() = new NetifRxRequest { Id = (ushort)buffer, Gref = _rxGrants[buffer].Value };
    }
}
