using System.Diagnostics;

namespace ParaIo.EndToEnd.Tests;

/// <summary>One reading of a vNIC's egress counter: when (since the sampler started) and the bytes sent so far.</summary>
internal readonly record struct ByteSample(TimeSpan At, long Bytes);

/// <summary>
/// Reads one vNIC's egress byte counter from paraiod's <c>vnic-list</c> every
/// <see cref="Interval"/> while a test runs, and turns the readings into rates over windows.
/// </summary>
internal sealed class VnicRateSampler
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly Paraiod _daemon;
    private readonly string _vnic;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<ByteSample> _samples = [];

    public VnicRateSampler(Paraiod daemon, string vnic)
    {
        _daemon = daemon;
        _vnic = vnic;
    }

    /// <summary>Time since the sampler was made, on the clock its samples use.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<ByteSample> Samples => _samples;

    /// <summary>Samples until <paramref name="until"/> (on <see cref="Now"/>'s clock).</summary>
    public async Task SampleUntilAsync(TimeSpan until)
    {
        while (_clock.Elapsed < until)
        {
            var vnics = await _daemon.ControlAsync("vnic-list");
            var bytes = vnics.EnumerateArray().Single(v => v.GetProperty("name").GetString() == _vnic).GetProperty("counters").GetProperty("bytes").GetInt64();
            _samples.Add(new ByteSample(_clock.Elapsed, bytes));
            await Task.Delay(Interval);
        }
    }

    /// <summary>
    /// The rate, in bits a second, of each window of <paramref name="window"/> that starts at a
    /// sample: from that sample to the first sample at least <paramref name="window"/> later.
    /// </summary>
    public static IReadOnlyList<(TimeSpan Start, double BitsPerSecond)> Windows(IReadOnlyList<ByteSample> samples, TimeSpan window)
    {
        var rates = new List<(TimeSpan, double)>();
        var end = 0;
        for (var start = 0; start < samples.Count; start++)
        {
            while (end < samples.Count && samples[end].At - samples[start].At < window)
            {
                end++;
            }

            if (end == samples.Count)
            {
                break;
            }

            var seconds = (samples[end].At - samples[start].At).TotalSeconds;
            rates.Add((samples[start].At, (samples[end].Bytes - samples[start].Bytes) * 8 / seconds));
        }

        return rates;
    }

    /// <summary>
    /// How long after <paramref name="changedAt"/> the rate settled at <paramref name="target"/>:
    /// the start of the first window from which on every window is within
    /// <paramref name="tolerance"/> of it, measured from the change; null when it never settled.
    /// </summary>
    public static TimeSpan? SettledAfter(IReadOnlyList<(TimeSpan Start, double BitsPerSecond)> windows, TimeSpan changedAt, double target, double tolerance)
    {
        TimeSpan? settled = null;
        foreach (var (start, rate) in windows.Where(w => w.Start >= changedAt))
        {
            if (!RateCheck.IsWithin(rate, target, tolerance))
            {
                settled = null;
            }
            else
            {
                settled ??= start - changedAt;
            }
        }

        return settled;
    }
}
