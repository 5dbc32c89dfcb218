using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ParaIo.Backend.Qos;

/// <summary>
/// The hierarchical scheduler of one fabric port, in the manner of Linux HTB: the port (line rate)
/// over flows (vNICs or vHBAs) over optional traffic classes. Every node may send at its committed
/// rate (green); beyond that it may borrow what its ancestors leave unused, up to its ceiling
/// (yellow); a node over its ceiling waits (red). Spare goes first to higher priority, then is
/// shared in proportion to committed rates. See docs/qos.md.
/// </summary>
/// <remarks>
/// Two ways in. A sender thread (the bridge's port) paces frames with <see cref="Enqueue(QosNode, object, int)"/>,
/// <see cref="TryDequeue"/> and <see cref="NextDeparture"/>. A request path (BlkBack) gates each
/// request with <see cref="TryAdmit"/> or <see cref="WaitAdmitAsync"/>, which checks bandwidth and
/// operation limits together. Thread-safe: every member takes the port's lock; none allocates per
/// frame or request, except a <see cref="WaitAdmitAsync"/> that must wait on a cancellable token.
/// </remarks>
public sealed class PortScheduler : IDisposable
{
    // Lending levels: who lends the tokens a leaf sends with.
    private const int OwnRate = 0;      // the leaf's own committed rate: green
    private const int FlowSpare = 1;    // a class borrowing its flow's unused committed rate
    private const int PortSpare = 2;    // borrowing the line rate nobody is committed to use

    private static readonly TimerCallback s_onTimer = static state => ((PortScheduler)state!).OnTimer();

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly PortSchedulerOptions _options;
    private readonly double _ticksPerSecond;
    private readonly long _windowTicks;
    private readonly QosNode _root;
    private readonly double[] _virtualTime = new double[3];
    private readonly Stack<AdmitWaiter> _waiterPool = new();
    private QosNode[] _active = new QosNode[16];
    private int _activeCount;
    private int _waiting;
    private ITimer? _timer;
    private long _timerDue = long.MaxValue;
    private bool _disposed;

    /// <summary>Creates the scheduler of a port that can carry <paramref name="lineRate"/> bytes a second.</summary>
    /// <param name="lineRate">The port's capacity in bytes a second.</param>
    /// <param name="timeProvider">The clock (and the timer that releases waiters); <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="options">Tuning; defaults when null.</param>
    public PortScheduler(long lineRate, TimeProvider? timeProvider = null, PortSchedulerOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lineRate, 1);
        _options = options ?? new PortSchedulerOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _ticksPerSecond = _time.TimestampFrequency;
        _windowTicks = Math.Max(1, (long)(_options.RateWindow.TotalSeconds * _ticksPerSecond));
        var now = _time.GetTimestamp();
        _root = new QosNode(this, null, "port", new QosSettings { Ceiling = lineRate }, now);
        ApplySettings(_root, _root.Settings, now);
    }

    /// <summary>The port: the root of the tree, whose ceiling is the line rate. Its counters are the port's.</summary>
    public QosNode Port => _root;

    /// <summary>The port's capacity in bytes a second.</summary>
    public long LineRate
    {
        get
        {
            lock (_lock)
            {
                return _root.Settings.Ceiling!.Value;
            }
        }
    }

    /// <summary>
    /// The timestamp (of the scheduler's <see cref="TimeProvider"/>) at which queued work may next
    /// leave: now or earlier if some may leave at once, <see cref="long.MaxValue"/> if nothing is queued
    /// or everything queued is stopped. A sender thread sleeps until then or until new work is queued.
    /// </summary>
    public long NextDeparture
    {
        get
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                return FindNextDeparture(now, waitersOnly: false);
            }
        }
    }

    /// <summary>Adds a flow (a vNIC or vHBA) under the port; it is a leaf until it gets classes.</summary>
    public QosNode AddFlow(string name, QosSettings settings) => AddNode(_root, name, settings);

    /// <summary>Adds a traffic class under <paramref name="flow"/>, which must have no queued work.</summary>
    public QosNode AddClass(QosNode flow, string name, QosSettings settings)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.Depth != 1)
        {
            throw new ArgumentException("Classes belong to flows.", nameof(flow));
        }

        return AddNode(flow, name, settings);
    }

    /// <summary>Changes a flow's or a class's service level; the next decision uses it.</summary>
    public void Update(QosNode node, QosSettings settings)
    {
        CheckNode(node);
        if (node == _root)
        {
            throw new ArgumentException("Change the port with SetLineRate.", nameof(node));
        }

        settings.Validate();
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            ApplySettings(node, settings, now);
            RecomputeKeys();
            ArmTimer(now);
        }
    }

    /// <summary>Changes the port's capacity; the next decision uses it.</summary>
    public void SetLineRate(long lineRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lineRate, 1);
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            ApplySettings(_root, new QosSettings { Ceiling = lineRate }, now);
            RecomputeKeys();
            ArmTimer(now);
        }
    }

    /// <summary>
    /// Takes a flow (with its classes) or a class out of the tree. Queued frames go to
    /// <paramref name="discarded"/>, which runs under the port's lock and must not call back into the
    /// scheduler; queued waiters fail with <see cref="InvalidOperationException"/>.
    /// </summary>
    public void Remove(QosNode node, Action<object>? discarded = null)
    {
        CheckNode(node);
        if (node == _root)
        {
            throw new ArgumentException("The port cannot be removed.", nameof(node));
        }

        lock (_lock)
        {
            if (node.IsRemoved)
            {
                return;
            }

            RemoveSubtree(node, discarded);
            node.Parent!.ChildList.Remove(node);
            if (node.Parent.IsLeaf)
            {
                node.Parent.AllocateQueue(_options.QueueCapacity);
            }

            RecomputeKeys();
            ArmTimer(_time.GetTimestamp());
        }
    }

    /// <summary>The counters of <paramref name="node"/>, with its rate estimate brought up to now.</summary>
    public QosNodeSnapshot GetSnapshot(QosNode node)
    {
        CheckNode(node);
        lock (_lock)
        {
            return node.Snapshot(_time.GetTimestamp(), _windowTicks, _options.RateSmoothing, _ticksPerSecond);
        }
    }

    /// <summary>
    /// Queues a frame at <paramref name="leaf"/> for the sender thread. Returns false, and counts a
    /// drop, when the leaf's queue is full; the caller keeps the item then.
    /// </summary>
    public bool Enqueue(QosNode leaf, object item, int bytes) => Enqueue(leaf, item, bytes, out _);

    /// <summary>
    /// Queues a frame at <paramref name="leaf"/>, as <see cref="Enqueue(QosNode, object, int)"/>;
    /// <paramref name="leafWasEmpty"/> says whether the leaf had nothing queued before, decided
    /// under the scheduler's lock — the one case in which a sleeping sender must be woken, since
    /// <see cref="NextDeparture"/> could not have counted the leaf when the sender last looked.
    /// </summary>
    public bool Enqueue(QosNode leaf, object item, int bytes, out bool leafWasEmpty)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        CheckNode(leaf);
        lock (_lock)
        {
            CheckLeaf(leaf);
            leafWasEmpty = leaf.QueueCount == 0;
            if (leaf.QueueFull)
            {
                leaf.Dropped++;
                return false;
            }

            leaf.Push(new QueueEntry { Item = item, Bytes = bytes, Ops = 1 });
            Activate(leaf);
            return true;
        }
    }

    /// <summary>
    /// Takes the frame that should leave the port now, if any may: the leaf is charged for it.
    /// Returns false when nothing may leave yet; <see cref="NextDeparture"/> says when something will.
    /// </summary>
    public bool TryDequeue([NotNullWhen(true)] out object? item, [NotNullWhen(true)] out QosNode? leaf, out int bytes)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            while (Select(now, waitersOnly: false, out var level, out var lender) is { } chosen)
            {
                var entry = chosen.Pop();
                if (chosen.QueueCount == 0)
                {
                    Deactivate(chosen);
                }

                Charge(chosen, level, lender, entry.Bytes, entry.Ops, now);
                if (entry.Waiter is { } waiter)
                {
                    // A waiter on a port that also paces frames: its turn has come.
                    _waiting--;
                    waiter.Admit();
                    continue;
                }

                item = entry.Item!;
                leaf = chosen;
                bytes = entry.Bytes;
                return true;
            }

            ArmTimer(now);
            item = null;
            leaf = null;
            bytes = 0;
            return false;
        }
    }

    /// <summary>
    /// Admits a request of <paramref name="bytes"/> and <paramref name="ops"/> operations at
    /// <paramref name="leaf"/> now if its limits and the port allow and no earlier request of the
    /// leaf waits; the leaf is charged. A caller that is refused should wait with
    /// <see cref="WaitAdmitAsync"/> rather than retry, or it forfeits the guarantees (the scheduler
    /// orders only the work it sees waiting).
    /// </summary>
    public bool TryAdmit(QosNode leaf, int bytes, int ops = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfNegative(ops);
        CheckNode(leaf);
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            CheckLeaf(leaf);
            return TryAdmitLocked(leaf, bytes, ops, now);
        }
    }

    /// <summary>
    /// Completes when a request of <paramref name="bytes"/> and <paramref name="ops"/> operations
    /// may proceed at <paramref name="leaf"/>, which is then charged for it: at once if
    /// <see cref="TryAdmit"/> would succeed, else in the order the scheduler serves waiting leaves.
    /// Fails with <see cref="InvalidOperationException"/> (counted as a drop) when the leaf's queue
    /// is full, and with <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public ValueTask WaitAdmitAsync(QosNode leaf, int bytes, int ops = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfNegative(ops);
        CheckNode(leaf);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        AdmitWaiter waiter;
        short version;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetTimestamp();
            CheckLeaf(leaf);
            if (TryAdmitLocked(leaf, bytes, ops, now))
            {
                return default;
            }

            if (leaf.QueueFull)
            {
                leaf.Dropped++;
                return ValueTask.FromException(new InvalidOperationException($"The admission queue of '{leaf.Name}' is full."));
            }

            waiter = _waiterPool.TryPop(out var pooled) ? pooled : new AdmitWaiter(this);
            waiter.Pending = true;
            version = waiter.Version;
            leaf.Push(new QueueEntry { Waiter = waiter, WaiterVersion = version, Bytes = bytes, Ops = ops });
            Activate(leaf);
            _waiting++;
            ArmTimer(now);
        }

        waiter.WatchCancellation(cancellationToken);
        return new ValueTask(waiter, version);
    }

    /// <summary>Stops the waiter timer and fails every queued waiter with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        ITimer? timer;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            timer = _timer;
            _timer = null;
            for (var i = _activeCount - 1; i >= 0; i--)
            {
                FailWaiters(_active[i], new ObjectDisposedException(nameof(PortScheduler)));
            }
        }

        timer?.Dispose();
    }

    internal void ReturnWaiter(AdmitWaiter waiter)
    {
        lock (_lock)
        {
            _waiterPool.Push(waiter);
        }
    }

    internal void CancelWaiter(AdmitWaiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Its queue entry stays behind, stale, and is skipped when it reaches the head.
            if (waiter.Pending)
            {
                waiter.Fail(new OperationCanceledException(cancellationToken));
            }
        }
    }

    private QosNode AddNode(QosNode parent, string name, QosSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckNode(parent);
        settings.Validate();
        lock (_lock)
        {
            if (parent.IsRemoved)
            {
                throw new InvalidOperationException($"'{parent.Name}' was removed.");
            }

            if (parent.QueueCount > 0)
            {
                throw new InvalidOperationException($"'{parent.Name}' has queued work; drain it before giving it classes.");
            }

            var now = _time.GetTimestamp();
            var node = new QosNode(this, parent, name, settings, now);
            ApplySettings(node, settings, now);
            node.AllocateQueue(_options.QueueCapacity);
            parent.ChildList.Add(node);
            RecomputeKeys();
            return node;
        }
    }

    private bool TryAdmitLocked(QosNode leaf, int bytes, int ops, long now)
    {
        // Waiters whose turn has come go before this caller.
        if (_waiting > 0)
        {
            DispatchWaiters(now);
        }

        if (leaf.QueueCount > 0 || !Eligible(leaf, now, out var level, out var lender))
        {
            return false;
        }

        Charge(leaf, level, lender, bytes, ops, now);
        return true;
    }

    /// <summary>
    /// Picks the leaf to serve now: among the eligible (no node on its path over its ceiling or
    /// operation limit), the lowest key, then the smallest fair-queueing tag.
    /// </summary>
    private QosNode? Select(long now, bool waitersOnly, out int level, out QosNode? lender)
    {
        QosNode? best = null;
        QosNode? bestLender = null;
        var bestLevel = 0;
        var bestKey = int.MaxValue;
        var bestTag = double.MaxValue;

        // Downward, so that a leaf swapped into slot i by a removal was already looked at.
        for (var i = _activeCount - 1; i >= 0; i--)
        {
            var leaf = _active[i];
            if (!SkipStaleWaiters(leaf))
            {
                continue;
            }

            if (waitersOnly && leaf.Head().Waiter is null)
            {
                continue;
            }

            if (!Eligible(leaf, now, out var leafLevel, out var leafLender))
            {
                continue;
            }

            var key = Key(leaf, leafLevel);
            if (key > bestKey)
            {
                continue;
            }

            var tag = Math.Max(leaf.Tags[leafLevel], _virtualTime[leafLevel]);
            if (key < bestKey || tag < bestTag)
            {
                best = leaf;
                bestLender = leafLender;
                bestLevel = leafLevel;
                bestKey = key;
                bestTag = tag;
            }
        }

        level = bestLevel;
        lender = bestLender;
        return best;
    }

    /// <summary>
    /// Whether <paramref name="leaf"/> may send now, and on whose tokens: its own committed rate,
    /// its flow's unused committed rate, or the port's spare.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Eligible(QosNode leaf, long now, out int level, out QosNode? lender)
    {
        lender = null;
        var node = leaf;
        while (true)
        {
            node.Refresh(now, _ticksPerSecond);
            if ((node.HasCeil && (node.Ceil.Tokens < 0 || node.Ceil.Rate <= 0)) ||
                (node.HasOps && (node.Ops.Tokens < 0 || node.Ops.Rate <= 0)))
            {
                level = 0;
                return false;
            }

            if (lender is null && node.HasCommit && node.Committed.Tokens >= 0)
            {
                lender = node;
            }

            if (node.Parent is not { } parent)
            {
                break;
            }

            node = parent;
        }

        level = lender is null ? PortSpare : lender == leaf ? OwnRate : FlowSpare;
        return true;
    }

    /// <summary>
    /// The scheduling key, lower first: work within the flows' commitments before work on the port's
    /// spare; then the flow's priority; then, inside a flow, a class's own rate before its flow's
    /// spare; then the class's priority.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Key(QosNode leaf, int level) =>
        ((level == PortSpare ? 1 : 0) << 12) | ((level == OwnRate ? 0 : 1) << 4) | leaf.PriorityKey;

    private void Charge(QosNode leaf, int level, QosNode? lender, int bytes, int ops, long now)
    {
        // Start-time fair queueing among leaves at the same key: a leaf's tag advances by its cost
        // over its weight, so backlogged leaves share in proportion to their weights; a leaf that
        // was idle starts at the current virtual time and brings no credit from its idle spell.
        var start = Math.Max(leaf.Tags[level], _virtualTime[level]);
        leaf.Tags[level] = start + (Math.Max(bytes, 1) / leaf.Weight);
        _virtualTime[level] = start;
        if (level != OwnRate)
        {
            leaf.BorrowedBytes += bytes;
        }

        // As in HTB, committed tokens are spent by the lender and those above it; the nodes below
        // the lender were borrowing, so their committed buckets keep measuring only green traffic.
        // Ceilings and operation limits are spent on the whole path.
        var charging = false;
        for (var node = leaf; node is not null; node = node.Parent)
        {
            charging |= node == lender;
            if (charging && node.HasCommit)
            {
                node.Committed.Tokens -= bytes;
            }

            if (node.HasCeil)
            {
                node.Ceil.Tokens -= bytes;
            }

            if (node.HasOps)
            {
                node.Ops.Tokens -= ops;
            }

            node.Count(bytes, ops, now, _windowTicks, _options.RateSmoothing, _ticksPerSecond);
        }
    }

    private void DispatchWaiters(long now)
    {
        while (Select(now, waitersOnly: true, out var level, out var lender) is { } leaf)
        {
            var entry = leaf.Pop();
            if (leaf.QueueCount == 0)
            {
                Deactivate(leaf);
            }

            Charge(leaf, level, lender, entry.Bytes, entry.Ops, now);
            _waiting--;
            entry.Waiter!.Admit();
        }
    }

    /// <summary>Drops cancelled waiters from the head of the queue; false when the queue ran empty.</summary>
    private bool SkipStaleWaiters(QosNode leaf)
    {
        while (leaf.QueueCount > 0)
        {
            if (!leaf.Head().IsStale)
            {
                return true;
            }

            leaf.Pop();
            _waiting--;
        }

        Deactivate(leaf);
        return false;
    }

    private long FindNextDeparture(long now, bool waitersOnly)
    {
        var next = long.MaxValue;
        for (var i = _activeCount - 1; i >= 0; i--)
        {
            var leaf = _active[i];
            if (!SkipStaleWaiters(leaf) || (waitersOnly && leaf.Head().Waiter is null))
            {
                continue;
            }

            var wait = 0L;
            for (var node = leaf; node is not null && wait != long.MaxValue; node = node.Parent)
            {
                node.Refresh(now, _ticksPerSecond);
                if (node.HasCeil)
                {
                    wait = Math.Max(wait, node.Ceil.TicksUntil(0, _ticksPerSecond));
                }

                if (node.HasOps && wait != long.MaxValue)
                {
                    wait = Math.Max(wait, node.Ops.TicksUntil(0, _ticksPerSecond));
                }
            }

            if (wait != long.MaxValue)
            {
                next = Math.Min(next, now + wait);
            }
        }

        return next;
    }

    private void ArmTimer(long now)
    {
        if (_waiting == 0 || _disposed)
        {
            // A timer still armed finds nothing to do and stays quiet.
            return;
        }

        var next = FindNextDeparture(now, waitersOnly: true);
        if (next == long.MaxValue || next == _timerDue)
        {
            return;
        }

        _timer ??= _time.CreateTimer(s_onTimer, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timerDue = next;
        var dueTicks = Math.Max(0, next - now);
        var due = TimeSpan.FromTicks((long)Math.Ceiling(dueTicks * (double)TimeSpan.TicksPerSecond / _ticksPerSecond));
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _timerDue = long.MaxValue;
            var now = _time.GetTimestamp();
            DispatchWaiters(now);
            ArmTimer(now);
        }
    }

    private void ApplySettings(QosNode node, QosSettings settings, long now)
    {
        // Time already passed is paid at the old rates.
        node.Refresh(now, _ticksPerSecond);
        node.Settings = settings;

        node.HasCommit = Configure(ref node.Committed, node.HasCommit, settings.CommittedRate > 0, settings.CommittedRate, ByteBurst(settings.Burst, settings.CommittedRate), now);
        var ceiling = settings.Ceiling ?? 0;
        node.HasCeil = Configure(ref node.Ceil, node.HasCeil, settings.Ceiling is not null, ceiling, ByteBurst(settings.Burst, ceiling), now);
        var ops = settings.OpsLimit ?? 0;
        var opsBurst = settings.OpsBurst > 0 ? settings.OpsBurst : Math.Max(1, (long)(ops * _options.BurstTime.TotalSeconds));
        node.HasOps = Configure(ref node.Ops, node.HasOps, settings.OpsLimit is not null, ops, opsBurst, now);
    }

    private static bool Configure(ref RateBucket bucket, bool had, bool has, double rate, double burst, long now)
    {
        if (!has)
        {
            return false;
        }

        if (had)
        {
            bucket.Reconfigure(rate, burst);
        }
        else
        {
            bucket = new RateBucket(rate, burst, now);
        }

        return true;
    }

    private long ByteBurst(long configured, long rate) =>
        configured > 0 ? configured : Math.Max(_options.MinBurst, (long)(rate * _options.BurstTime.TotalSeconds));

    /// <summary>Priorities and weights depend on parents and the line rate; recompute them all (rare).</summary>
    private void RecomputeKeys()
    {
        var lineRate = (double)_root.Settings.Ceiling!.Value;
        foreach (var flow in _root.ChildList)
        {
            var flowPriority = flow.Settings.Priority;
            flow.PriorityKey = flowPriority << 8;
            flow.Weight = Weight(flow.Settings.CommittedRate, lineRate);
            var reference = flow.Settings.CommittedRate > 0 ? flow.Settings.CommittedRate : flow.Settings.Ceiling ?? lineRate;
            foreach (var cls in flow.ChildList)
            {
                cls.PriorityKey = (flowPriority << 8) | cls.Settings.Priority;
                cls.Weight = Weight(cls.Settings.CommittedRate, reference);
            }
        }

        // A best-effort node shares spare as if committed to 1% of what it lives in, so that it
        // is not starved by committed nodes borrowing at its priority.
        static double Weight(long committed, double reference) => committed > 0 ? committed : Math.Max(1, reference / 100);
    }

    private void RemoveSubtree(QosNode node, Action<object>? discarded)
    {
        foreach (var child in node.ChildList)
        {
            RemoveSubtree(child, discarded);
        }

        node.ChildList.Clear();
        while (node.QueueCount > 0)
        {
            var entry = node.Pop();
            if (entry.Waiter is { } waiter)
            {
                _waiting--;
                if (!entry.IsStale)
                {
                    waiter.Fail(new InvalidOperationException($"'{node.Name}' was removed."));
                }
            }
            else
            {
                discarded?.Invoke(entry.Item!);
            }
        }

        Deactivate(node);
        node.IsRemoved = true;
    }

    private void FailWaiters(QosNode leaf, Exception exception)
    {
        // Frames stay queued for their owner to drain; only waiters are told.
        var count = leaf.QueueCount;
        for (var i = 0; i < count; i++)
        {
            var entry = leaf.Pop();
            if (entry.Waiter is { } waiter)
            {
                _waiting--;
                if (!entry.IsStale)
                {
                    waiter.Fail(exception);
                }
            }
            else
            {
                leaf.Push(entry);
            }
        }

        if (leaf.QueueCount == 0)
        {
            Deactivate(leaf);
        }
    }

    private void Activate(QosNode leaf)
    {
        if (leaf.ActiveIndex >= 0)
        {
            return;
        }

        if (_activeCount == _active.Length)
        {
            Array.Resize(ref _active, _active.Length * 2);
        }

        leaf.ActiveIndex = _activeCount;
        _active[_activeCount++] = leaf;
    }

    private void Deactivate(QosNode leaf)
    {
        var index = leaf.ActiveIndex;
        if (index < 0)
        {
            return;
        }

        var last = _active[--_activeCount];
        _active[index] = last;
        last.ActiveIndex = index;
        _active[_activeCount] = null!;
        leaf.ActiveIndex = -1;
    }

    private void CheckNode(QosNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Scheduler != this)
        {
            throw new ArgumentException($"'{node.Name}' belongs to another port.", nameof(node));
        }
    }

    private static void CheckLeaf(QosNode leaf)
    {
        if (leaf.IsRemoved)
        {
            throw new InvalidOperationException($"'{leaf.Name}' was removed.");
        }

        if (!leaf.IsLeaf)
        {
            throw new ArgumentException($"'{leaf.Name}' is not a leaf: queue work at a class or at a flow without classes.", nameof(leaf));
        }
    }
}
