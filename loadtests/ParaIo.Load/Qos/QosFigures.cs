namespace ParaIo.Load.Qos;

/// <summary>Turns the counter samples of a scenario into its phases' rows and its rates over time.</summary>
internal static class QosFigures
{
    /// <summary>
    /// A phase's rows: each flow that sent, then the total of all flows, achieved over the
    /// samples from <paramref name="start"/> + <paramref name="settle"/> to <paramref name="end"/>.
    /// </summary>
    public static QosPhaseResult Phase(QosScenario scenario, QosPhase phase, IReadOnlyList<QosSample> samples, double start, double end, double settle)
    {
        var window = samples.Where(s => s.Seconds >= start + settle && s.Seconds <= end).ToList();
        if (window.Count < 2)
        {
            throw new InvalidOperationException($"Phase '{phase.Name}' has {window.Count} counter sample(s) in its steady part; make --duration longer.");
        }

        var first = window[0];
        var last = window[^1];
        var seconds = last.Seconds - first.Seconds;
        var rows = new List<QosRateRow>();
        var achievedTotal = 0.0;
        for (var i = 0; i < scenario.Flows.Count; i++)
        {
            var flow = scenario.Flows[i];
            var achieved = (last.Bytes[i] - first.Bytes[i]) * 8 / seconds / 1e6;
            achievedTotal += achieved;
            if (phase.Expected.TryGetValue(flow.Label, out var expected))
            {
                rows.Add(Row(flow.Label, flow.ConfiguredMbps, expected, achieved));
            }
        }

        rows.Add(Row(scenario.Total.Label, scenario.Total.ConfiguredMbps, phase.Expected.Values.Sum(), achievedTotal));
        return new QosPhaseResult(phase.Name, start, end, rows);
    }

    /// <summary>Each flow's rate, and the total's, between consecutive samples.</summary>
    public static IReadOnlyList<QosSeries> Series(QosScenario scenario, IReadOnlyList<QosSample> samples)
    {
        var points = new List<QosPoint>[scenario.Flows.Count + 1];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = [];
        }

        for (var s = 1; s < samples.Count; s++)
        {
            var seconds = samples[s].Seconds - samples[s - 1].Seconds;
            var total = 0.0;
            for (var i = 0; i < scenario.Flows.Count; i++)
            {
                var mbps = (samples[s].Bytes[i] - samples[s - 1].Bytes[i]) * 8 / seconds / 1e6;
                points[i].Add(new QosPoint(samples[s].Seconds, mbps));
                total += mbps;
            }

            points[^1].Add(new QosPoint(samples[s].Seconds, total));
        }

        return [.. scenario.Flows.Select((f, i) => new QosSeries(f.Label, points[i])), new QosSeries(scenario.Total.Label, points[^1])];
    }

    private static QosRateRow Row(string subject, double configured, double expected, double achieved) =>
        new(subject, configured, expected, achieved, expected > 0 ? (achieved - expected) / expected * 100 : double.NaN);
}
