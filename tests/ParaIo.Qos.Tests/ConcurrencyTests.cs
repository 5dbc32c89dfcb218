using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>
/// Many threads on one port, on the system clock and its timer: nothing is lost or counted twice,
/// and awaited admissions all complete. Correctness under concurrency, not speed; the limits are
/// checked only in the direction a slow machine cannot break (never faster than allowed).
/// </summary>
[TestClass]
[TestCategory("realtime")]
public sealed class ConcurrencyTests
{
    [TestMethod]
    public void ConcurrentProducersAndOneSenderLoseNothing()
    {
        using var port = new PortScheduler(Rates.MBps(100_000));
        var leaves = Enumerable.Range(0, 4)
            .Select(i => port.AddFlow($"vnic{i}", new QosSettings { CommittedRate = Rates.Mbps(100), Priority = i }))
            .ToArray();
        var accepted = new long[leaves.Length];
        var producersDone = 0;
        var producers = leaves.Select((leaf, i) => new Thread(() =>
        {
            var item = new object();
            for (var n = 0; n < 50_000; n++)
            {
                if (port.Enqueue(leaf, item, 100 + (n % 1400)))
                {
                    accepted[i]++;
                }
            }

            Interlocked.Increment(ref producersDone);
        })).ToArray();

        var sent = new Dictionary<QosNode, (long Frames, long Bytes)>();
        foreach (var leaf in leaves)
        {
            sent[leaf] = (0, 0);
        }

        foreach (var producer in producers)
        {
            producer.Start();
        }

        var watch = Stopwatch.StartNew();
        while (Volatile.Read(ref producersDone) < producers.Length || port.NextDeparture != long.MaxValue)
        {
            Assert.IsLessThan(TimeSpan.FromSeconds(30), watch.Elapsed, "the sender never drained the port");
            if (port.TryDequeue(out _, out var leaf, out var bytes))
            {
                var (frames, total) = sent[leaf];
                sent[leaf] = (frames + 1, total + bytes);
            }
        }

        foreach (var producer in producers)
        {
            producer.Join();
        }

        for (var i = 0; i < leaves.Length; i++)
        {
            var snapshot = port.GetSnapshot(leaves[i]);
            Assert.AreEqual(accepted[i], sent[leaves[i]].Frames, $"leaf {i}: frames accepted vs sent");
            Assert.AreEqual(snapshot.OpsSent, sent[leaves[i]].Frames);
            Assert.AreEqual(snapshot.BytesSent, sent[leaves[i]].Bytes);
            Assert.AreEqual(50_000 - accepted[i], snapshot.Dropped);
            Assert.AreEqual(0, snapshot.Queued);
        }
    }

    [TestMethod]
    public async Task AwaitedAdmissionsAllCompleteAndNeverBeatTheLimit()
    {
        const int OpsLimit = 2000;
        const int Burst = 10;
        const int Tasks = 4;
        const int PerTask = 150;
        using var port = new PortScheduler(Rates.MBps(1000));
        var vhba = port.AddFlow("wwpn", new QosSettings { OpsLimit = OpsLimit, OpsBurst = Burst });
        var other = port.AddFlow("other", new QosSettings { OpsLimit = 100 });

        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Tasks).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < PerTask; i++)
            {
                await port.WaitAdmitAsync(vhba, 4096);
            }
        })).ToList();

        // A second device whose requests are cancelled while they wait.
        long cancelled = 0;
        long admitted = 0;
        workers.Add(Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(i % 7));
                try
                {
                    await port.WaitAdmitAsync(other, 512, 1, cts.Token);
                    admitted++;
                }
                catch (OperationCanceledException)
                {
                    cancelled++;
                }
            }
        }));

        var all = Task.WhenAll(workers);
        Assert.AreSame(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(20))), "admissions stopped completing");
        await all;
        var elapsed = watch.Elapsed.TotalSeconds;

        Assert.AreEqual(Tasks * PerTask, port.GetSnapshot(vhba).OpsSent);
        Assert.IsGreaterThanOrEqualTo((Tasks * PerTask - Burst - 1) / (double)OpsLimit, elapsed, "admitted faster than the IOPS limit");
        Assert.AreEqual(admitted, port.GetSnapshot(other).OpsSent, "a cancelled request was charged");
        Assert.AreEqual(40, admitted + cancelled);
    }
}
