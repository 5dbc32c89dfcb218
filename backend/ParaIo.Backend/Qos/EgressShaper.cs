using System.Diagnostics;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Qos;

/// <summary>
/// The egress of one VNIC-module port: a <see cref="PortScheduler"/> at the port's line rate, the
/// vNICs sending through it (<see cref="ShapedFlow"/>s), and the sender thread that paces queued
/// frames out into the bridge. See docs/qos.md, "In the data path".
/// </summary>
/// <remarks>
/// The sender thread sleeps until the scheduler's next departure (a wait bounded by it, to the
/// millisecond) or until a vNIC's class that was empty in the scheduler queues a frame, sends
/// everything the schedule allows, and sleeps again; an idle port costs no CPU. (A separate timer
/// and its due-time bookkeeping once lost a wake-up under a flood: the bounded wait has none.) The
/// wait blocks at once, without spinning first: see <see cref="EgressShaperOptions.SenderSpinCount"/>. Changes
/// (<see cref="Update"/>, <see cref="SetLineRate"/>) wake it, so they take effect at once.
/// </remarks>
public sealed class EgressShaper : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<ShapedFlow> _flows = [];
    private readonly Thread _sender;
    private readonly ManualResetEventSlim _wake;
    private readonly EthernetFrame _frame = new(1); // the sender thread's view of the frame it forwards
    private long _requested; // bumped by every wake-up request: a frame for an empty class, a change, a stop
    private long _served;    // the last request count the sender had seen when it finished a pass
    private int _sleeping;
    private volatile bool _stopping;
    private bool _disposed;
    private Exception? _lastForwardError;

    /// <summary>Creates the shaper of a port of <paramref name="lineRate"/> bytes a second and starts its sender thread.</summary>
    /// <param name="name">The port's name (for the thread and messages).</param>
    /// <param name="lineRate">The port's capacity in bytes a second.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null. The sender's waits are real time.</param>
    /// <param name="options">Queue bounds and bursts; defaults when null.</param>
    public EgressShaper(string name, long lineRate, TimeProvider? timeProvider = null, EgressShaperOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new EgressShaperOptions();
        options.Validate();
        Name = name;
        Time = timeProvider ?? TimeProvider.System;
        QueueBytes = options.QueueBytes;
        _wake = new ManualResetEventSlim(false, options.SenderSpinCount);
        Scheduler = new PortScheduler(lineRate, Time, options.SchedulerOptions());
        _sender = new Thread(RunSender) { IsBackground = true, Name = $"shaper {name}" };
        _sender.Start();
    }

    /// <summary>The port's name.</summary>
    public string Name { get; }

    /// <summary>The port's scheduler: the vNICs are its flows, their traffic classes its leaves.</summary>
    public PortScheduler Scheduler { get; }

    /// <summary>The vNICs sending through the port now.</summary>
    public IReadOnlyList<ShapedFlow> Flows
    {
        get
        {
            lock (_lock)
            {
                return [.. _flows];
            }
        }
    }

    /// <summary>The last exception a bridge port threw while a shaped frame was forwarded (the frame was counted as dropped), or null.</summary>
    public Exception? LastForwardError => Volatile.Read(ref _lastForwardError);

    internal TimeProvider Time { get; }

    internal long QueueBytes { get; }

    internal ShapedFramePool Frames { get; } = new();

    /// <summary>Adds a vNIC with its service level and traffic classes.</summary>
    /// <exception cref="ArgumentException">A setting or class is invalid (see <see cref="TrafficClassSpec"/>), or the port has a vNIC of that name.</exception>
    public ShapedFlow AddFlow(string name, QosSettings settings, IReadOnlyList<TrafficClassSpec> classes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ShapedFlow.Validate(name, settings, classes);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_flows.Any(f => f.Name == name))
            {
                throw new ArgumentException($"Port '{Name}' has a vNIC named '{name}' already.", nameof(name));
            }

            var flow = new ShapedFlow(this, Scheduler.AddFlow(name, settings), settings, classes);
            _flows.Add(flow);
            return flow;
        }
    }

    /// <summary>
    /// Changes a vNIC's service level and classes while it sends: classes are matched by name,
    /// kept classes keep their queued frames, removed classes drop theirs (counted). The next
    /// scheduling decision uses the new settings.
    /// </summary>
    /// <exception cref="ArgumentException">A setting or class is invalid, or the flow belongs to another port.</exception>
    /// <exception cref="InvalidOperationException">The flow was removed.</exception>
    public void Update(ShapedFlow flow, QosSettings settings, IReadOnlyList<TrafficClassSpec> classes)
    {
        CheckOwner(flow);
        ShapedFlow.Validate(flow.Name, settings, classes);
        flow.Update(settings, classes);
        Signal();
    }

    /// <summary>Removes a vNIC: its queued frames are dropped and counted, and frames it is sent later are dropped and counted.</summary>
    public void Remove(ShapedFlow flow)
    {
        CheckOwner(flow);
        lock (_lock)
        {
            _flows.Remove(flow);
        }

        if (flow.Detach())
        {
            Signal();
        }
    }

    /// <summary>Changes the port's line rate; the next scheduling decision uses it.</summary>
    public void SetLineRate(long lineRate)
    {
        Scheduler.SetLineRate(lineRate);
        Signal();
    }

    /// <summary>Stops the sender thread and removes every vNIC, dropping (and counting) what they had queued.</summary>
    public void Dispose()
    {
        ShapedFlow[] flows;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            flows = [.. _flows];
            _flows.Clear();
        }

        _stopping = true;
        Signal();
        _sender.Join();
        foreach (var flow in flows)
        {
            flow.Detach();
        }

        Scheduler.Dispose();
        _wake.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Asks the sender thread to look at the schedule again (work for an empty class, a change, a stop).</summary>
    internal void Signal()
    {
        // Full fence: the request is counted before _sleeping is read (pairs with the sender's fence).
        Interlocked.Increment(ref _requested);
        if (Volatile.Read(ref _sleeping) != 0)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Test hook: wakes the sender thread and waits until it has finished a pass begun after this
    /// call, so everything the schedule allows at the clock's present time has been forwarded.
    /// </summary>
    internal bool Settle(TimeSpan timeout)
    {
        Signal();
        var target = Volatile.Read(ref _requested);
        var start = Stopwatch.GetTimestamp();
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _served) < target && _sender.IsAlive)
        {
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                return false;
            }

            spinner.SpinOnce();
        }

        return true;
    }

    private void RunSender()
    {
        while (true)
        {
            var seen = Volatile.Read(ref _requested);
            if (_stopping)
            {
                return;
            }

            SendDue();
            var next = Scheduler.NextDeparture;
            Volatile.Write(ref _served, seen);
            Volatile.Write(ref _sleeping, 1);

            // Full fence: _sleeping is written before _requested is read (pairs with Signal).
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _requested) == seen && !_stopping)
            {
                // Until the next frame may leave, or work for an empty class, a change, a stop.
                _wake.Wait(MillisecondsUntil(next));
            }

            Volatile.Write(ref _sleeping, 0);
            _wake.Reset();
        }
    }

    /// <summary>Forwards every frame the schedule lets leave now, each from the port it entered at.</summary>
    private void SendDue()
    {
        while (Scheduler.TryDequeue(out var item, out _, out var bytes))
        {
            var shaped = (ShapedFrame)item;
            var cls = shaped.Class!;

            // Released before the next dequeue: a producer that finds the class empty again wakes us.
            cls.Release(bytes);
            if (Forward(shaped))
            {
                var now = Time.GetTimestamp();
                cls.CountSent(bytes, now);
                cls.Flow.CountSent(bytes, now);
            }
            else
            {
                cls.CountDropped();
                cls.Flow.CountDropped();
            }

            Frames.Return(shaped);
        }
    }

    private bool Forward(ShapedFrame shaped)
    {
        var source = shaped.Source!;
        if (source.Bridge is not { } bridge)
        {
            return false; // the vif left its bridge while the frame waited
        }

        var frame = _frame;
        frame.Append(shaped.Buffer, 0, shaped.Length);
        frame.Offload = shaped.Offload;
        try
        {
            bridge.Forward(source, frame);
            return true;
        }
        catch (Exception e)
        {
            // A port's fault must not stop every vNIC of the port: drop the frame, keep the error.
            Volatile.Write(ref _lastForwardError, e);
            return false;
        }
        finally
        {
            frame.Clear();
        }
    }

    /// <summary>
    /// How long the sender may sleep before <paramref name="next"/>: forever when nothing is queued,
    /// else rounded up to whole milliseconds (the wait's grain). A frame that leaves up to a
    /// millisecond late costs no rate: its tokens keep accruing, up to the burst.
    /// </summary>
    private int MillisecondsUntil(long next)
    {
        if (next == long.MaxValue)
        {
            return Timeout.Infinite;
        }

        var milliseconds = Math.Ceiling(Time.GetElapsedTime(Time.GetTimestamp(), next).TotalMilliseconds);
        return milliseconds <= 0 ? 0 : (int)Math.Min(milliseconds, int.MaxValue);
    }

    private void CheckOwner(ShapedFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.Shaper != this)
        {
            throw new ArgumentException($"vNIC '{flow.Name}' sends through port '{flow.Shaper.Name}', not '{Name}'.", nameof(flow));
        }
    }
}
