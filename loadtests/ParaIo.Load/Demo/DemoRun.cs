using System.Globalization;
using HdrHistogram;
using ParaIo.Load.Measurement;
using ParaIo.Load.Peers;
using ParaIo.Load.Wire;
using ParaIo.RingBuffer.Handoff;
using Spectre.Console;

namespace ParaIo.Load.Demo;

/// <summary>
/// <c>paraio-load demo</c>: a live look at the transport, then at a guest's disk. A traffic thread
/// streams bursts of requests through the ring to the peer backend, pausing now and then so both
/// sides go to sleep and the event channels have to wake them; once a second the display shows
/// requests/s, the round-trip p50/p99, notifications sent each way and the futex wake-ups they
/// cost. Then <see cref="DiskDemo"/> writes, flushes and reads back a guest's disk through paraiod.
/// </summary>
internal static class DemoRun
{
    private const int MaxBurst = 32;
    private const int BurstsBetweenPauses = 64;
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(1);
    private static readonly string[] s_columns = ["time", "requests/s", "RTT p50 µs", "RTT p99 µs", "notify → back", "notify ← back", "requests per notify", "futex wake-ups", "sleeps"];
    private static readonly string[] s_plainNames = ["t", "requests_per_s", "rtt_p50_us", "rtt_p99_us", "notify_to_backend", "notify_to_frontend", "requests_per_notify", "futex_wakeups", "sleeps"];

    public static int Execute(int seconds, int diskSeconds)
    {
        using var interruption = new Interruption();
        try
        {
            var window = new MeasurementWindow(TimeSpan.Zero, TimeSpan.FromSeconds(seconds));
            using (var session = LoadSession.Start(window, interruption.Token))
            {
                var statsPage = session.Guest.Pages.Allocate();
                session.Guest.Pool.GetPage(statsPage).Clear();
                session.Run("demo", PeerOp.DemoBackend, run => Show(run, session, statsPage), window, ring: RingIndex.Demo, firstPage: statsPage);
            }

            if (diskSeconds > 0)
            {
                DiskDemo.Run(TimeSpan.FromSeconds(diskSeconds), interruption.Token);
            }

            return 0;
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
    }

    private static bool Show(RunContext run, LoadSession session, int statsPage)
    {
        var queue = session.Demo;
        var traffic = new Traffic(queue, run);
        var thread = new Thread(traffic.Run) { Name = "demo traffic", IsBackground = true };
        thread.Start();
        var console = StdoutConsole.Create();
        var table = new Table().Border(TableBorder.Rounded).Title("ParaIo ring, live (guest → peer backend)");
        foreach (var column in s_columns)
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        var sampler = new Sampler(traffic, queue, () => DemoStats.Read(session.Guest.Pool.GetPage(statsPage)));
        if (Console.IsOutputRedirected)
        {
            while (thread.IsAlive)
            {
                if (sampler.Next(thread) is { } line)
                {
                    // Plain key=value lines for a pipe or a file; Spectre would wrap them at its width.
                    Console.Out.WriteLine(string.Join("  ", s_plainNames.Zip(line, (name, cell) => $"{name}={cell}")));
                }
            }
        }
        else
        {
            console.Live(table).AutoClear(false).Start(context =>
            {
                while (thread.IsAlive)
                {
                    if (sampler.Next(thread) is { } line)
                    {
                        table.AddRow(line);
                        if (table.Rows.Count > 15)
                        {
                            table.Rows.RemoveAt(0);
                        }

                        context.Refresh();
                    }
                }
            });
        }

        thread.Join();
        traffic.Failure?.Throw();
        console.WriteLine($"{traffic.Completed:N0} requests in {run.Window.Duration.TotalSeconds:0} s; the backend was notified {queue.Requests.Notifications:N0} times.");
        return true;
    }

    /// <summary>Once a second, the difference of every counter since the last sample.</summary>
    private sealed class Sampler(Traffic traffic, FrontQueue<LoadRequest, LoadResponse> queue, Func<DemoStats> backend)
    {
        private readonly long _start = Clock.Now;
        private long _last = Clock.Now;
        private long _completed;
        private long _frontNotifications;
        private long _frontWakeups;
        private long _frontSleeps;
        private DemoStats _back;

        public string[]? Next(Thread thread)
        {
            thread.Join(TimeSpan.FromSeconds(1));
            var now = Clock.Now;
            var seconds = Clock.Seconds(now - _last);
            if (seconds < 0.05)
            {
                return null;
            }

            var completed = traffic.Completed;
            var frontNotifications = queue.Requests.Notifications;
            var frontWakeups = queue.Requests.Wakeups;
            var frontSleeps = queue.Responses.Sleeps;
            var back = backend();
            var histogram = traffic.Latencies.GetIntervalHistogram();
            var requests = completed - _completed;
            var notifications = (frontNotifications - _frontNotifications) + (back.Notifications - _back.Notifications);
            string[] line =
            [
                $"{Clock.Seconds(now - _start):0.0} s",
                (requests / seconds).ToString("N0", CultureInfo.InvariantCulture),
                Micro(histogram, 50),
                Micro(histogram, 99),
                (frontNotifications - _frontNotifications).ToString("N0", CultureInfo.InvariantCulture),
                (back.Notifications - _back.Notifications).ToString("N0", CultureInfo.InvariantCulture),
                notifications == 0 ? "—" : ((double)requests / notifications).ToString("0.0", CultureInfo.InvariantCulture),
                ((frontWakeups - _frontWakeups) + (back.Wakeups - _back.Wakeups)).ToString("N0", CultureInfo.InvariantCulture),
                ((frontSleeps - _frontSleeps) + (back.Sleeps - _back.Sleeps)).ToString("N0", CultureInfo.InvariantCulture),
            ];
            (_last, _completed, _frontNotifications, _frontWakeups, _frontSleeps, _back) = (now, completed, frontNotifications, frontWakeups, frontSleeps, back);
            return line;
        }

        private static string Micro(HistogramBase histogram, double percentile) =>
            histogram.TotalCount == 0 ? "—" : (histogram.GetValueAtPercentile(percentile) / 1000.0).ToString("0.00", CultureInfo.InvariantCulture);
    }

    /// <summary>The traffic thread: bursts of 1..32 requests, each burst waited for, a short pause every 64 bursts.</summary>
    private sealed class Traffic(FrontQueue<LoadRequest, LoadResponse> queue, RunContext run)
    {
        private long _completed;

        public HdrHistogram.Recorder Latencies { get; } = new(1, 10_000_000_000, 3, (id, lowest, highest, digits) => new LongHistogram(id, lowest, highest, digits));

        public long Completed => Volatile.Read(ref _completed);

        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Failure { get; private set; }

        public void Run()
        {
            try
            {
                Stream();
            }
            catch (Exception e)
            {
                Failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        }

        private void Stream()
        {
            var ring = queue.Ring;
            var template = LoadRequest.Template();
            var (_, end) = run.Window.Start();
            var sequence = 0ul;
            for (var burst = 0; ; burst++)
            {
                var stopping = Clock.Now >= end;
                var size = stopping ? 1 : 1 + (burst % MaxBurst);
                var sentAt = Clock.Now;
                for (var i = 0; i < size; i++)
                {
                    ref var request = ref ring.NextRequest();
                    request = template;
                    request.Sequence = ++sequence;
                    request.Flags = stopping ? LoadRequest.StopFlag : 0;
                }

                queue.Push();
                for (var answered = 0; answered < size;)
                {
                    if (!queue.WaitForResponses(DemoBackend.Spin, timeoutMs: -1, run.Cancellation))
                    {
                        run.Cancellation.ThrowIfCancellationRequested();
                        throw new InvalidDataException(ring.Fault?.Reason ?? "The response wait ended without a response.");
                    }

                    while (ring.TryTakeResponse(out _))
                    {
                        // From the push of its burst to its answer: the round trip this request saw.
                        Latencies.RecordValue(Math.Max(1, Clock.Nanoseconds(Clock.Now - sentAt)));
                        answered++;
                    }
                }

                Volatile.Write(ref _completed, _completed + size);
                if (stopping)
                {
                    return;
                }

                if (burst % BurstsBetweenPauses == BurstsBetweenPauses - 1)
                {
                    // Idle for a moment: both sides run out of spin and sleep, so the next burst shows the wake-up path.
                    Thread.Sleep(s_pause);
                }
            }
        }
    }
}
