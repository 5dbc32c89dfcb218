using ParaIo.Backend.Bridge;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>
/// One VNIC-module port's shaper in simulated time, wired as NetBack wires it: each vNIC sends
/// from its own vif-like port on a bridge, its frames go through its <see cref="ShapedFlow"/>, and
/// the shaper's thread forwards them into the bridge, where a sink measures them. Every step each
/// source offers its load (or keeps its class queue full), the sender thread sends all the
/// schedule allows at that instant, and the clock moves on.
/// </summary>
internal sealed class ShaperSimulation : IDisposable
{
    private readonly List<Source> _sources = [];
    private readonly SoftwareBridge _bridge;
    private int _ports;

    public ShaperSimulation(long lineRate, EgressShaperOptions? options = null)
    {
        Shaper = new EgressShaper("port0", lineRate, Clock, options);
        _bridge = new SoftwareBridge("br-qos", Clock);
        Sink = new ShaperSink("sink", Clock);
        _bridge.AddPort(Sink);
    }

    public SteppedClock Clock { get; } = new();

    public EgressShaper Shaper { get; }

    public ShaperSink Sink { get; }

    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>A vif-like port on the bridge, sending through <paramref name="flow"/> frames to UDP <paramref name="udpPort"/>.</summary>
    public Source AddSource(ShapedFlow flow, ushort udpPort, double offeredMbps = double.PositiveInfinity, int frameBytes = 1500)
    {
        var port = new VifLikePort($"vif{++_ports}");
        _bridge.AddPort(port);
        var source = new Source(flow, port, UdpFrames.Build(UdpFrames.Mac(0xFFFF), UdpFrames.Mac(_ports), 40000, udpPort, frameBytes)) { OfferedMbps = offeredMbps };
        _sources.Add(source);
        return source;
    }

    /// <summary>
    /// Offers each step's frames and lets the sender finish a pass, step by step; on return the
    /// sender has sent everything due at the clock's final time too, so the counters hold still
    /// until the next call (the sender's real-time waits cannot move them).
    /// </summary>
    public void RunFor(TimeSpan duration)
    {
        var end = Clock.Elapsed + duration;
        while (Clock.Elapsed < end)
        {
            foreach (var source in _sources)
            {
                source.Offer(Step.TotalSeconds);
            }

            Settle();
            Clock.Advance(Step);
        }

        Settle();
    }

    private void Settle()
    {
        if (!Shaper.Settle(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The shaper's sender thread did not finish a pass.");
        }
    }

    public void Dispose() => Shaper.Dispose();

    internal sealed class Source(ShapedFlow flow, BridgePort port, byte[] bytes)
    {
        private readonly EthernetFrame _frame = new(1);
        private double _credit;

        /// <summary>Megabits a second offered; infinity keeps the class queue full; 0 is idle.</summary>
        public double OfferedMbps { get; set; }

        public void Offer(double stepSeconds)
        {
            if (double.IsPositiveInfinity(OfferedMbps))
            {
                while (Send())
                {
                }

                return;
            }

            _credit = Math.Min(_credit + (Rates.Mbps(OfferedMbps) * stepSeconds), 64.0 * bytes.Length);
            while (_credit >= bytes.Length)
            {
                _credit -= bytes.Length;
                Send();
            }
        }

        /// <summary>Sends <paramref name="frames"/> frames at once; returns how many were queued.</summary>
        public int Burst(int frames)
        {
            var queued = 0;
            for (var i = 0; i < frames; i++)
            {
                queued += Send() ? 1 : 0;
            }

            return queued;
        }

        private bool Send()
        {
            _frame.Clear();
            _frame.Append(bytes, 0, bytes.Length);
            return flow.Send(port, _frame);
        }
    }

    /// <summary>Stands for a vif's port: frames flooded to it are taken and forgotten.</summary>
    private sealed class VifLikePort(string name) : BridgePort(name)
    {
        public override bool Transmit(in EgressFrame frame) => true;
    }
}
