namespace ParaIo.Qos.Tests;

/// <summary>
/// The deliberately broken control: a port that paces at the line rate but serves strictly by
/// priority, round-robin within one, ignoring committed rates. The oversubscription test must
/// catch it, or that test proves nothing.
/// </summary>
internal sealed class StrictPriorityPort(ManualClock clock, long lineRate) : IPortUnderTest
{
    private readonly Dictionary<object, Leaf> _leaves = new(ReferenceEqualityComparer.Instance);
    private readonly List<Leaf> _order = [];
    private double _tokens;
    private long _last;
    private int _cursor;

    public object AddLeaf(int priority)
    {
        var leaf = new Leaf(priority);
        _leaves.Add(leaf, leaf);
        _order.Add(leaf);
        return leaf;
    }

    public bool Enqueue(object leaf, object item, int bytes)
    {
        var queue = _leaves[leaf].Queue;
        if (queue.Count == 256)
        {
            return false;
        }

        queue.Enqueue(bytes);
        return true;
    }

    public bool TryDequeue(out object? leaf, out int bytes)
    {
        var now = clock.GetTimestamp();
        _tokens = Math.Min(64 * 1024, _tokens + (lineRate * (double)(now - _last) / ManualClock.Frequency));
        _last = now;
        leaf = null;
        bytes = 0;
        if (_tokens < 0)
        {
            return false;
        }

        Leaf? best = null;
        for (var i = 0; i < _order.Count; i++)
        {
            var candidate = _order[(_cursor + i) % _order.Count];
            if (candidate.Queue.Count > 0 && (best is null || candidate.Priority < best.Priority))
            {
                best = candidate;
            }
        }

        if (best is null)
        {
            return false;
        }

        _cursor = (_order.IndexOf(best) + 1) % _order.Count;
        bytes = best.Queue.Dequeue();
        _tokens -= bytes;
        leaf = best;
        return true;
    }

    private sealed class Leaf(int priority)
    {
        public int Priority { get; } = priority;

        public Queue<int> Queue { get; } = new();
    }
}
