using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Block;

/// <summary>
/// One queue of a block device (a blkif ring): its own request table and slots, its own ring lock
/// and its own completion thread. Requests are matched to responses within their queue only, so
/// the queues of a device share nothing on the data path but the guest's pool and grant table.
/// </summary>
/// <remarks>
/// Every ring request is kept, exactly as sent, until its response arrives; <see cref="Replay"/>
/// moves the queue to a new ring and sends every unanswered request there again with its id and
/// grants.
/// </remarks>
[SuppressMessage("Reliability", "CA1001", Justification = "The slot semaphore never creates its wait handle; Stop releases its waiters, and callers may still touch it after the device is disposed.")]
internal sealed class BlockFrontQueue
{
    private const int IdleTimeoutMs = 1000;

    [ThreadStatic]
    private static BlockFrontQueue? t_completing;

    private readonly BlockFrontDevice _device;
    private readonly TimeSpan _spin;
    private readonly Lock _ringLock = new();
    private readonly Lock _poolLock = new();
    private readonly SemaphoreSlim _slots;
    private readonly PendingRequest[] _requests;
    private readonly Stack<PendingRequest> _freeRequests;
    private readonly PendingRequest[] _answered;
    private readonly BlkifStatus[] _answeredStatus;
    private readonly Thread _completer;
    private FrontQueue<BlkifRequest, BlkifResponse> _queue;
    private long _sequence;
    private long _strayResponses;
    private long _sent;
    private bool _queueReleased;

    public BlockFrontQueue(BlockFrontDevice device, int index, FrontQueue<BlkifRequest, BlkifResponse> queue, int depth, TimeSpan spin)
    {
        _device = device;
        Index = index;
        _queue = queue;
        _spin = spin;
        Depth = depth;
        _slots = new SemaphoreSlim(depth, depth);
        _requests = new PendingRequest[depth];
        _freeRequests = new Stack<PendingRequest>(depth);
        _answered = new PendingRequest[depth];
        _answeredStatus = new BlkifStatus[depth];
        _completer = new Thread(RunCompletions) { IsBackground = true, Name = $"vbd completions q{index}" };
    }

    /// <summary>The queue's number; its keys are under <c>queue-N/</c> when the device has several.</summary>
    public int Index { get; }

    /// <summary>Ring requests in flight at most on this queue.</summary>
    public int Depth { get; }

    /// <summary>The ring this queue uses now.</summary>
    public FrontQueue<BlkifRequest, BlkifResponse> Queue => Volatile.Read(ref _queue);

    /// <summary>Ring requests sent on this queue since it was set up (replays not counted).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public long StrayResponses => Interlocked.Read(ref _strayResponses);

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

    /// <summary>Fills the request table; the slots' indirect pages come from <paramref name="create"/>.</summary>
    public void Populate(Func<int, PendingRequest> create)
    {
        for (var i = Depth - 1; i >= 0; i--)
        {
            _requests[i] = create(i);
            _freeRequests.Push(_requests[i]);
        }
    }

    public void Start() => _completer.Start();

    /// <summary>Every slot of the table (some may be null when setting up failed half-way).</summary>
    public PendingRequest[] Requests => _requests;

    /// <summary>The queue whose completion thread this is, or null on any other thread.</summary>
    public static BlockFrontQueue? Completing => t_completing;

    /// <summary>The device the queue belongs to.</summary>
    public BlockFrontDevice Device => _device;

    /// <summary>True when a slot is free now (a hint: another caller may take it first).</summary>
    public bool HasFreeSlot => _slots.CurrentCount > 0;

    /// <summary>A free slot now, or false.</summary>
    public bool TryAcquire(out PendingRequest request)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            request = TakeRequest();
            return true;
        }

        request = null!;
        return false;
    }

    public ValueTask<PendingRequest> AcquireAsync(CancellationToken cancellationToken) =>
        TryAcquire(out var request) ? new ValueTask<PendingRequest>(request) : AcquireSlowAsync(cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PendingRequest> AcquireSlowAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return TakeRequest();
    }

    private PendingRequest TakeRequest()
    {
        if (_device.IsDisposed)
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

    public void ReleaseRequest(PendingRequest request)
    {
        request.Operation = null;
        lock (_poolLock)
        {
            _freeRequests.Push(request);
        }

        _slots.Release();
    }

    /// <summary>Writes a built request to the ring and publishes it, as a part of <paramref name="op"/>.</summary>
    /// <exception cref="ObjectDisposedException">The device was disposed meanwhile; the request's grants are ended.</exception>
    public void Send(PendingRequest request, BlockOperation op)
    {
        lock (_ringLock)
        {
            // Checked under the ring lock: Dispose fails the requests in flight under the same
            // lock, so a request is either failed there or never sent.
            if (!_device.IsDisposed)
            {
                var queue = _queue;
                request.Operation = op;
                op.AddPart();
                request.InFlight = true;
                request.Sequence = ++_sequence;
                _sent++;
                // Depth ≤ ring size and a slot is freed only after its response is consumed, so
                // the ring always has room here.
                queue.Ring.NextRequest() = request.Request;
                queue.Push();
                return;
            }
        }

        _device.EndGrants(request);
        throw new ObjectDisposedException(nameof(BlockFrontDevice));
    }

    /// <summary>
    /// Takes the responses the old ring holds, switches to <paramref name="newQueue"/> and writes
    /// every unanswered request there again, in first-sent order. Returns the old ring.
    /// </summary>
    public FrontQueue<BlkifRequest, BlkifResponse> Replay(FrontQueue<BlkifRequest, BlkifResponse> newQueue)
    {
        // Private arrays: the completion thread owns _answered and may be taking responses too.
        var requests = new PendingRequest[Depth];
        var statuses = new BlkifStatus[Depth];
        FrontQueue<BlkifRequest, BlkifResponse> old;
        int answered;
        lock (_ringLock)
        {
            old = _queue;
            answered = TakeResponses(old, requests, statuses);
            Volatile.Write(ref _queue, newQueue);
            foreach (var request in _requests.Where(r => r.InFlight).OrderBy(r => r.Sequence))
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

    /// <summary>Stops the completion thread and fails every request in flight with <paramref name="disposed"/>.</summary>
    public void Stop(ObjectDisposedException disposed)
    {
        WakeCompletions(Volatile.Read(ref _queue));
        if (Thread.CurrentThread != _completer && _completer.ThreadState != ThreadState.Unstarted)
        {
            _completer.Join(); // (an inline continuation disposing the device runs on a completer itself)
        }

        lock (_ringLock)
        {
            foreach (var request in _requests.Where(r => r is { InFlight: true }))
            {
                request.InFlight = false;
                _device.EndGrants(request);
                request.Operation?.Fail(disposed);
                request.Operation?.Release();
                request.Operation = null;
            }
        }

        // Wake everyone waiting for a slot; they see the device disposed and give up.
        if (_slots.CurrentCount < Depth)
        {
            _slots.Release(Depth - _slots.CurrentCount);
        }
    }

    /// <summary>Releases the ring; throws <see cref="RingBuffer.Grants.GrantAccessException"/> while the backend still maps it.</summary>
    public void ReleaseQueue()
    {
        if (!_queueReleased)
        {
            Volatile.Read(ref _queue).Dispose();
            _queueReleased = true;
        }
    }

    /// <summary>The completion thread: takes responses, then sleeps on the response port until the backend notifies.</summary>
    private void RunCompletions()
    {
        t_completing = this;
        while (!_device.IsDisposed)
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
                queue.Responses.Wait(_spin, queue.Ring.Fault is null ? IdleTimeoutMs : Timeout.Infinite);
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
            _device.EndGrants(request);
            var op = request.Operation;
            ReleaseRequest(request);
            op?.PartCompleted(status);
        }
    }

    /// <summary>
    /// Wakes the completion thread if it sleeps on <paramref name="queue"/>'s response port: an
    /// event made pending there ends its wait, and it then finds the queue's current ring (or
    /// that the device is disposed). The port is the frontend's own; nobody else waits on it.
    /// </summary>
    private static void WakeCompletions(FrontQueue<BlkifRequest, BlkifResponse> queue) => queue.Responses.Notify();
}
