using System.Runtime.CompilerServices;

namespace ParaIo.Backend.Qos;

/// <summary>
/// One node of a <see cref="PortScheduler"/>'s tree: the port itself, a flow (a vNIC or vHBA) or a
/// traffic class of a flow. Work is queued and admitted at leaves: flows without classes, and classes.
/// A handle only: every change goes through the scheduler, and all its state is guarded by the
/// scheduler's lock.
/// </summary>
public sealed class QosNode
{
    private readonly List<QosNode> _children = [];
    private object _settings;
    private QueueEntry[]? _queue;
    private int _capacity;
    private int _head;
    private int _count;

    // Token buckets, refilled lazily to the scheduler's clock.
    internal RateBucket Committed;
    internal RateBucket Ceil;
    internal RateBucket Ops;
    internal bool HasCommit;
    internal bool HasCeil;
    internal bool HasOps;
    private long _refreshedAt;

    // Fair-queueing tags, one per lending level (the leaf itself, its flow, the port), in seconds of
    // service at the node's weight; see PortScheduler.Select.
    internal readonly double[] Tags = new double[3];
    internal double Weight = 1;
    internal int PriorityKey;
    internal int ActiveIndex = -1;

    // Counters and the rate estimator.
    internal long BytesSent;
    internal long OpsSent;
    internal long BorrowedBytes;
    internal long Dropped;
    private long _windowStart;
    private long _windowBytes;
    private long _windowOps;
    private double _rate;
    private double _opsRate;

    internal QosNode(PortScheduler scheduler, QosNode? parent, string name, QosSettings settings, long now)
    {
        Scheduler = scheduler;
        Parent = parent;
        Name = name;
        _settings = settings;
        Depth = parent is null ? 0 : parent.Depth + 1;
        _refreshedAt = now;
        _windowStart = now;
    }

    /// <summary>The scheduler this node belongs to.</summary>
    public PortScheduler Scheduler { get; }

    /// <summary>The node's name (a MAC, a WWPN, a class name).</summary>
    public string Name { get; }

    /// <summary>The parent: the port for a flow, the flow for a class, null for the port.</summary>
    public QosNode? Parent { get; }

    /// <summary>0 for the port, 1 for a flow, 2 for a class.</summary>
    public int Depth { get; }

    /// <summary>The node's classes (empty for a leaf). Read it under no concurrent reconfiguration.</summary>
    public IReadOnlyList<QosNode> Children => _children;

    /// <summary>Whether work is queued or admitted here (a flow without classes, or a class).</summary>
    public bool IsLeaf => Depth > 0 && _children.Count == 0;

    /// <summary>The service level as last set; safe to read while another thread changes it.</summary>
    public QosSettings Settings
    {
        // Boxed so that a reader never sees half of an update; boxes are made only when settings change.
        get => (QosSettings)Volatile.Read(ref _settings);
        internal set => Volatile.Write(ref _settings, value);
    }

    /// <summary>Whether <see cref="PortScheduler.Remove"/> took the node out of its tree.</summary>
    public bool IsRemoved { get; internal set; }

    internal List<QosNode> ChildList => _children;

    internal int QueueCount => _count;

    internal bool QueueFull => _queue is null || _count == _capacity;

    /// <summary>
    /// Makes the node a leaf able to hold <paramref name="capacity"/> entries. The array starts at
    /// <see cref="InitialQueueLength"/> entries at most and doubles as it fills, so a large bound (a
    /// vHBA's admission queue) costs memory only when that much really waits.
    /// </summary>
    internal void AllocateQueue(int capacity)
    {
        if (_queue is null)
        {
            _capacity = capacity;
            _queue = new QueueEntry[Math.Min(capacity, InitialQueueLength)];
        }
    }

    /// <summary>Entries a leaf's queue array starts with: a VNIC class's whole default bound, so frames never grow it.</summary>
    internal const int InitialQueueLength = 256;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref QueueEntry Head() => ref _queue![_head];

    internal void Push(in QueueEntry entry)
    {
        var queue = _queue!;
        if (_count == queue.Length)
        {
            queue = Grow(queue);
        }

        var tail = _head + _count;
        if (tail >= queue.Length)
        {
            tail -= queue.Length;
        }

        queue[tail] = entry;
        _count++;
    }

    /// <summary>Doubles the queue array (up to the capacity), the entries in order from index 0.</summary>
    private QueueEntry[] Grow(QueueEntry[] queue)
    {
        var grown = new QueueEntry[(int)Math.Min((long)queue.Length * 2, _capacity)];
        var firstRun = Math.Min(_count, queue.Length - _head);
        Array.Copy(queue, _head, grown, 0, firstRun);
        Array.Copy(queue, 0, grown, firstRun, _count - firstRun);
        _head = 0;
        _queue = grown;
        return grown;
    }

    internal QueueEntry Pop()
    {
        var queue = _queue!;
        var entry = queue[_head];
        queue[_head] = default;
        _head = _head + 1 == queue.Length ? 0 : _head + 1;
        _count--;
        return entry;
    }

    /// <summary>Brings every bucket up to <paramref name="now"/>; a no-op when already there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Refresh(long now, double ticksPerSecond)
    {
        if (now == _refreshedAt)
        {
            return;
        }

        _refreshedAt = now;
        Committed.Refill(now, ticksPerSecond);
        Ceil.Refill(now, ticksPerSecond);
        Ops.Refill(now, ticksPerSecond);
    }

    internal void Count(long bytes, int ops, long now, long windowTicks, double smoothing, double ticksPerSecond)
    {
        AdvanceWindow(now, windowTicks, smoothing, ticksPerSecond);
        BytesSent += bytes;
        OpsSent += ops;
        _windowBytes += bytes;
        _windowOps += ops;
    }

    internal QosNodeSnapshot Snapshot(long now, long windowTicks, double smoothing, double ticksPerSecond)
    {
        AdvanceWindow(now, windowTicks, smoothing, ticksPerSecond);
        return new QosNodeSnapshot(Name, BytesSent, OpsSent, BorrowedBytes, Dropped, LiveCount(), _rate, _opsRate);
    }

    /// <summary>Queued work not counting cancelled waiters, whose entries stay until they reach the head.</summary>
    private int LiveCount()
    {
        var live = 0;
        for (var i = 0; i < _count; i++)
        {
            var index = _head + i;
            live += _queue![index >= _queue.Length ? index - _queue.Length : index].IsStale ? 0 : 1;
        }

        return live;
    }

    private void AdvanceWindow(long now, long windowTicks, double smoothing, double ticksPerSecond)
    {
        var elapsed = now - _windowStart;
        if (elapsed < windowTicks)
        {
            return;
        }

        var windows = elapsed / windowTicks;
        var seconds = windowTicks / ticksPerSecond;
        _rate += smoothing * ((_windowBytes / seconds) - _rate);
        _opsRate += smoothing * ((_windowOps / seconds) - _opsRate);

        // Windows that passed with nothing sent each pull the estimate toward zero.
        var decay = Math.Pow(1 - smoothing, Math.Min(windows - 1, 1024));
        _rate *= decay;
        _opsRate *= decay;
        _windowBytes = 0;
        _windowOps = 0;
        _windowStart += windows * windowTicks;
    }
}
