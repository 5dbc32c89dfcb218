using ParaIo.Load.Measurement;
using ParaIo.Load.Reporting;
using ParaIo.Load.Scenarios;
using Spectre.Console;

namespace ParaIo.Load;

/// <summary>
/// <c>paraio-load ring</c>: runs the chosen scenarios against one peer, every transport of a
/// scenario back to back in the same run, and reports them as a table or as JSON.
/// </summary>
internal static class RingRun
{
    /// <summary>The scenarios in the order they run.</summary>
    public static readonly string[] ScenarioNames = [RoundTripPolling.Name, RoundTripBlocking.Name, Throughput.Name, ZeroCopy.Name];

    public static int Execute(MeasurementWindow window, bool json, IReadOnlyCollection<string> scenarios)
    {
        var chosen = scenarios.Count == 0 ? ScenarioNames : ScenarioNames.Where(scenarios.Contains).ToArray();
        var startedAt = DateTimeOffset.UtcNow;
        using var interruption = new Interruption();
        var results = new List<ScenarioResult>();
        try
        {
            using var session = LoadSession.Start(window, interruption.Token);
            foreach (var name in chosen)
            {
                var before = CpuSample.Take(session.Peer.Id);
                var (allocated, collections) = (GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0));
                var result = name switch
                {
                    RoundTripPolling.Name => RoundTripPolling.Run(session),
                    RoundTripBlocking.Name => RoundTripBlocking.Run(session),
                    Throughput.Name => Throughput.Run(session),
                    ZeroCopy.Name => ZeroCopy.Run(session),
                    _ => throw new ArgumentOutOfRangeException(nameof(scenarios), name, "Unknown scenario."),
                };
                var after = CpuSample.Take(session.Peer.Id);
                results.Add(result with
                {
                    BackgroundCores = CpuSample.OtherCores(before, after),
                    StolenCores = CpuSample.StolenCores(before, after),
                    ParentAllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated,
                    ParentGen0Collections = GC.CollectionCount(0) - collections,
                });
                ProgressLog.Write($"{name}: done; other processes kept {results[^1].BackgroundCores:0.00} of {Environment.ProcessorCount} cores busy meanwhile.");
            }
        }
        catch (Exception e) when (interruption.IsRequested)
        {
            ProgressLog.Write($"interrupted ({e.GetType().Name}); the peer was reaped.");
            return 130;
        }
        catch (Exception e)
        {
            ProgressLog.Write($"failed: {e}");
            return 1;
        }

        var report = new RingReport("paraio-load ring", startedAt, RunEnvironment.Current(), window.Warmup.TotalSeconds, window.Duration.TotalSeconds, results);
        if (json)
        {
            JsonReport.Write(report, ReportJsonContext.Default.RingReport);
        }
        else
        {
            ReportTable.Write(StdoutConsole.Create(), report);
        }

        return 0;
    }
}
