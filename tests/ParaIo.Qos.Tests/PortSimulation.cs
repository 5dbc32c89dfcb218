namespace ParaIo.Qos.Tests;

/// <summary>
/// Drives a pacing scheduler in simulated time: every step each source offers its load (or keeps
/// its queue full when saturating), the port sends everything it is allowed to, and the clock moves
/// one step, as a port thread waking on a 100 µs timer would. Deliveries are binned by millisecond
/// so any window can be measured afterwards.
/// </summary>
internal sealed class PortSimulation(ManualClock clock, IPortUnderTest port)
{
    private readonly Dictionary<object, Source> _sources = new(ReferenceEqualityComparer.Instance);

    public TimeSpan Step { get; init; } = TimeSpan.FromMicroseconds(100);

    public Source AddSource(object leaf, double offeredRate = double.PositiveInfinity, int frameBytes = 1500)
    {
        var source = new Source(leaf, offeredRate, frameBytes);
        _sources.Add(leaf, source);
        return source;
    }

    public void RunFor(TimeSpan duration)
    {
        var end = clock.Elapsed + duration;
        var stepSeconds = Step.TotalSeconds;
        while (clock.Elapsed < end)
        {
            foreach (var source in _sources.Values)
            {
                source.Offer(port, stepSeconds);
            }

            while (port.TryDequeue(out var leaf, out var bytes))
            {
                _sources[leaf!].Record(clock.Elapsed, bytes);
            }

            clock.Advance(Step);
        }
    }

    internal sealed class Source(object leaf, double offeredRate, int frameBytes)
    {
        private readonly List<long> _bins = [];
        private double _credit;

        /// <summary>Bytes a second offered; infinity keeps the queue full, 0 is idle.</summary>
        public double OfferedRate { get; set; } = offeredRate;

        public long Delivered { get; private set; }

        public void Offer(IPortUnderTest port, double stepSeconds)
        {
            if (double.IsPositiveInfinity(OfferedRate))
            {
                while (port.Enqueue(leaf, leaf, frameBytes))
                {
                }

                return;
            }

            _credit = Math.Min(_credit + (OfferedRate * stepSeconds), 64.0 * frameBytes);
            while (_credit >= frameBytes && port.Enqueue(leaf, leaf, frameBytes))
            {
                _credit -= frameBytes;
            }
        }

        public void Record(TimeSpan at, int bytes)
        {
            var bin = (int)(at.Ticks / TimeSpan.TicksPerMillisecond);
            while (_bins.Count <= bin)
            {
                _bins.Add(0);
            }

            _bins[bin] += bytes;
            Delivered += bytes;
        }

        /// <summary>Bytes a second delivered from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), whole milliseconds.</summary>
        public double RateBetween(TimeSpan from, TimeSpan to)
        {
            var first = (int)Math.Round(from.TotalMilliseconds);
            var last = (int)Math.Round(to.TotalMilliseconds);
            long bytes = 0;
            for (var i = first; i < last && i < _bins.Count; i++)
            {
                bytes += _bins[i];
            }

            return bytes / (to - from).TotalSeconds;
        }

        public double MbpsBetween(double fromSeconds, double toSeconds) =>
            Rates.ToMbps(RateBetween(TimeSpan.FromSeconds(fromSeconds), TimeSpan.FromSeconds(toSeconds)));
    }
}
