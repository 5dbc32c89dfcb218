using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>
/// A vNIC flooded far past its committed rate in real time, from two threads at once, keeps
/// sending and drains. Before the sender was woken by the scheduler's own "the leaf was empty"
/// (decided under its lock), a producer could reserve class room a moment before the sender gave
/// the last frame's room back, skip the wake-up, and leave the sender asleep with frames queued:
/// this test failed every time, after a few hundred frames.
/// </summary>
[TestClass]
public sealed class ShapedFloodTests
{
    [TestMethod]
    public void AVnicWithoutACeilingFloodedFromTwoThreadsKeepsSendingAndDrains()
    {
        using var shaper = new EgressShaper("port0", Rates.Mbps(10_000));
        var bridge = new SoftwareBridge("br");
        var vif = new CountingPort("vif1");
        var sink = new CountingPort("sink");
        bridge.AddPort(vif);
        bridge.AddPort(sink);
        var vnic = shaper.AddFlow("vnic", new QosSettings { CommittedRate = Rates.Mbps(100), Ceiling = Rates.Mbps(100) }, []);
        shaper.Update(vnic, new QosSettings { CommittedRate = Rates.Mbps(100) }, []); // the ceiling taken away live
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var producers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var frame = new EthernetFrame(1);
            var bytes = UdpFrames.Build(UdpFrames.Mac(2), UdpFrames.Mac(1), 1, 2, 60_000);
            frame.Append(bytes, 0, bytes.Length);
            while (!stop.IsCancellationRequested)
            {
                vnic.Send(vif, frame);
            }
        })).ToArray();

        var sentEachSecond = new List<long>();
        for (var second = 0; second < 3; second++)
        {
            var before = sink.Bytes;
            Thread.Sleep(1000);
            sentEachSecond.Add(sink.Bytes - before);
        }

        Task.WaitAll(producers);
        var drained = SpinWait.SpinUntil(() => vnic.Snapshot().Queued == 0, TimeSpan.FromSeconds(5));

        Assert.IsTrue(sentEachSecond.All(bytes => bytes > 0), $"the vNIC sent something every second: {string.Join(", ", sentEachSecond)} bytes; {vnic.Snapshot()}");
        Assert.IsTrue(drained, $"everything queued left once the flood stopped: {vnic.Snapshot()}");
    }

    private sealed class CountingPort(string name) : BridgePort(name)
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public override bool Transmit(in EgressFrame frame)
        {
            Interlocked.Add(ref _bytes, frame.Length);
            return true;
        }
    }
}
