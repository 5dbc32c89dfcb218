using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Qos;

/// <summary>
/// A vNIC's place in its VNIC-module port's scheduler: a flow node with one leaf per traffic
/// class. <see cref="Send"/> classifies each frame to a class — frames no rule matches go to an
/// implicit best-effort <c>default</c> class — and queues a private copy there (bounded bytes and
/// frames per class, drop-tail, drops counted); the shaper's sender thread forwards it into the
/// bridge when the schedule allows.
/// </summary>
/// <remarks>
/// A vNIC without classes has only the default class, which then carries the vNIC's own committed
/// rate, so it is scheduled as the vNIC itself. With classes, the default class is best effort at
/// the priority of the vNIC's lowest-priority class, unless a class named <c>default</c> is
/// configured. Created, changed and removed through its <see cref="EgressShaper"/>.
/// </remarks>
public sealed class ShapedFlow
{
    private readonly Lock _gate = new(); // orders Send against reconfiguration and removal
    private readonly Action<object> _discard;
    private readonly SlidingRate _rate;
    private ClassTable _table = new([], new TrafficClassifier(0));
    private bool _removed;
    private long _bytesSent;
    private long _framesSent;
    private long _dropped;

    internal ShapedFlow(EgressShaper shaper, QosNode node, QosSettings settings, IReadOnlyList<TrafficClassSpec> classes)
    {
        Shaper = shaper;
        Node = node;
        _discard = item => Discard((ShapedFrame)item);
        _rate = new SlidingRate(shaper.Time.GetTimestamp(), shaper.Time.TimestampFrequency);
        Configure(settings, classes);
    }

    /// <summary>The vNIC's name.</summary>
    public string Name => Node.Name;

    /// <summary>The shaper of the port the vNIC sends through.</summary>
    public EgressShaper Shaper { get; }

    /// <summary>The vNIC's node in the port's scheduler; its children are the classes.</summary>
    public QosNode Node { get; }

    /// <summary>Whether the flow was removed from its shaper; frames sent to it now are dropped and counted.</summary>
    public bool IsRemoved => Volatile.Read(ref _removed);

    /// <summary>
    /// Queues a copy of <paramref name="frame"/>, which entered at <paramref name="source"/>, in its
    /// class; the shaper's thread forwards it into <paramref name="source"/>'s bridge, as if from
    /// that port, when the schedule allows. Never waits. Returns false when the frame is dropped
    /// (its class's queue is full or the flow was removed); drops are counted.
    /// </summary>
    public bool Send(BridgePort source, EthernetFrame frame)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(frame);
        var shaper = Shaper;
        var shaped = shaper.Frames.Rent();
        var bytes = shaped.Fill(source, frame);
        var queued = false;
        var wake = false;
        lock (_gate)
        {
            if (!_removed)
            {
                var table = _table;
                var cls = table.Classes[table.Classifier.Classify(bytes)];
                if (cls.TryReserve(bytes.Length, shaper.QueueBytes))
                {
                    // Set before the frame is visible to the sender thread (the scheduler's lock orders it).
                    shaped.Class = cls;
                    queued = shaper.Scheduler.Enqueue(cls.Node, shaped, bytes.Length, out var leafWasEmpty);
                    wake = queued && leafWasEmpty;
                    if (!queued)
                    {
                        cls.Release(bytes.Length);
                    }
                }

                if (!queued)
                {
                    cls.CountDropped();
                }
            }
        }

        if (!queued)
        {
            Interlocked.Increment(ref _dropped);
            shaper.Frames.Return(shaped);
            return false;
        }

        // A class whose queue in the scheduler was not empty cannot move the next departure
        // earlier: the sender already waits for its head. Only a class becoming busy there needs
        // the sender to look again (a lost wake-up here stalled a flooded vNIC for good).
        if (wake)
        {
            shaper.Signal();
        }

        return true;
    }

    /// <summary>The flow's and each class's configuration, counters and achieved rate over the last second.</summary>
    public ShapedFlowSnapshot Snapshot()
    {
        var now = Shaper.Time.GetTimestamp();
        var classes = Volatile.Read(ref _table).Classes.Select(c => c.Snapshot(now)).ToArray();
        var settings = Node.Settings;
        return new ShapedFlowSnapshot(
            Name,
            settings.CommittedRate,
            settings.Ceiling,
            settings.Priority,
            Interlocked.Read(ref _bytesSent),
            Interlocked.Read(ref _framesSent),
            Interlocked.Read(ref _dropped),
            classes.Sum(c => c.Queued),
            classes.Sum(c => c.QueuedBytes),
            _rate.BytesPerSecond(now),
            classes);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Checks a flow's settings and classes before anything is changed.</summary>
    /// <exception cref="ArgumentException">A class is unnamed, named twice, or has a bad rate, priority or rule.</exception>
    internal static void Validate(string flow, QosSettings settings, IReadOnlyList<TrafficClassSpec> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        settings.Validate();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var spec in classes)
        {
            if (spec is null)
            {
                throw new ArgumentException($"vNIC '{flow}': a class is null.", nameof(classes));
            }

            if (string.IsNullOrWhiteSpace(spec.Name))
            {
                throw new ArgumentException($"vNIC '{flow}': a class has no name.", nameof(classes));
            }

            var what = $"vNIC '{flow}', class '{spec.Name}'";
            if (!names.Add(spec.Name))
            {
                throw new ArgumentException($"vNIC '{flow}': class '{spec.Name}' is listed twice; a vNIC's class names are unique (ignoring case).", nameof(classes));
            }

            if (spec.CommittedRate < 0)
            {
                throw new ArgumentException($"{what}: the committed rate {spec.CommittedRate} is negative.", nameof(classes));
            }

            if (spec.Ceiling is { } ceiling && ceiling < spec.CommittedRate)
            {
                throw new ArgumentException(
                    ceiling < 0 ? $"{what}: the ceiling {ceiling} is negative." : $"{what}: the ceiling {ceiling} is below the committed rate {spec.CommittedRate}.",
                    nameof(classes));
            }

            if ((uint)spec.Priority > QosSettings.LowestPriority)
            {
                throw new ArgumentException($"{what}: priority {spec.Priority} is not in 0 (highest) .. 7 (lowest).", nameof(classes));
            }

            if (spec.Rules is null)
            {
                throw new ArgumentException($"{what}: the rule list is null (give an empty list for none).", nameof(classes));
            }

            foreach (var rule in spec.Rules)
            {
                if (rule.LastPort < rule.FirstPort)
                {
                    throw new ArgumentException($"{what}: the port range {rule.FirstPort}-{rule.LastPort} ends before it starts.", nameof(classes));
                }

                if ((rule.Protocols & TrafficProtocols.TcpOrUdp) == 0)
                {
                    throw new ArgumentException($"{what}: the rule for ports {rule.FirstPort}-{rule.LastPort} matches neither TCP nor UDP.", nameof(classes));
                }
            }
        }
    }

    /// <summary>Applies new settings and classes (validated); frames queued in classes that remain stay queued.</summary>
    internal void Update(QosSettings settings, IReadOnlyList<TrafficClassSpec> classes)
    {
        lock (_gate)
        {
            if (_removed)
            {
                throw new InvalidOperationException($"vNIC '{Name}' was removed from port '{Shaper.Name}'; add it again rather than update it.");
            }

            Shaper.Scheduler.Update(Node, settings);
            Configure(settings, classes);
        }
    }

    /// <summary>Takes the flow out of the scheduler, dropping (and counting) its queued frames; false if it was out already.</summary>
    internal bool Detach()
    {
        lock (_gate)
        {
            if (_removed)
            {
                return false;
            }

            Volatile.Write(ref _removed, true);
            Shaper.Scheduler.Remove(Node, _discard);
            return true;
        }
    }

    /// <summary>Counts a frame the sender thread forwarded.</summary>
    internal void CountSent(int bytes, long now)
    {
        Interlocked.Add(ref _bytesSent, bytes);
        Interlocked.Increment(ref _framesSent);
        _rate.Add(bytes, now);
    }

    /// <summary>Counts a frame dropped after it was queued (its class is counted by the caller).</summary>
    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Brings the classes in line with <paramref name="specs"/>: matched by name, kept classes keep their queues. Caller holds the gate (or constructs).</summary>
    private void Configure(QosSettings settings, IReadOnlyList<TrafficClassSpec> specs)
    {
        var scheduler = Shaper.Scheduler;
        var now = Shaper.Time.GetTimestamp();
        var old = _table.Classes.ToDictionary(c => c.Node.Name, StringComparer.OrdinalIgnoreCase);
        var defaultIndex = -1;
        var classes = new List<ShapedClass>(specs.Count + 1);
        var rules = new List<TrafficClassRule>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            if (string.Equals(spec.Name, TrafficClassSpec.DefaultClassName, StringComparison.OrdinalIgnoreCase))
            {
                defaultIndex = i;
            }

            classes.Add(Place(spec.Name, new QosSettings { CommittedRate = spec.CommittedRate, Ceiling = spec.Ceiling, Priority = spec.Priority }));
            rules.AddRange(spec.Rules.Select(rule => rule with { ClassIndex = i }));
        }

        if (defaultIndex < 0)
        {
            // Alone, the default class is the vNIC (its committed rate); beside other classes it is
            // best effort, ranked with the lowest-priority one so that it is never starved outright.
            var implicitDefault = specs.Count == 0
                ? new QosSettings { CommittedRate = settings.CommittedRate }
                : new QosSettings { Priority = specs.Max(s => s.Priority) };
            defaultIndex = classes.Count;
            classes.Add(Place(TrafficClassSpec.DefaultClassName, implicitDefault));
        }

        foreach (var gone in old.Values)
        {
            scheduler.Remove(gone.Node, _discard);
        }

        Volatile.Write(ref _table, new ClassTable([.. classes], new TrafficClassifier(defaultIndex, rules)));

        ShapedClass Place(string name, QosSettings classSettings)
        {
            if (old.Remove(name, out var kept))
            {
                scheduler.Update(kept.Node, classSettings);
                return kept;
            }

            return new ShapedClass(this, scheduler.AddClass(Node, name, classSettings), now, Shaper.Time.TimestampFrequency);
        }
    }

    /// <summary>A queued frame thrown away by a removal: runs under the scheduler's lock, takes only leaf locks.</summary>
    private void Discard(ShapedFrame frame)
    {
        var cls = frame.Class!;
        cls.Release(frame.Length);
        cls.CountDropped();
        Interlocked.Increment(ref _dropped);
        Shaper.Frames.Return(frame);
    }

    /// <summary>The classes in force and the classifier that indexes them, replaced whole.</summary>
    private sealed record ClassTable(ShapedClass[] Classes, TrafficClassifier Classifier);
}
