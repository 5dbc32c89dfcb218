using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Frontend.Net;

namespace ParaIo.Net.Tests;

/// <summary>
/// Prints 64-byte frames per second from guest 1 to guest 2 through NetFront, NetBack, the bridge,
/// NetBack's rx copy and NetFront's receive, all in this process (library mode). Asserts nothing
/// about speed (speed belongs to loadtests/). PARAIO_NET_BENCH_SECONDS sets the measured time
/// (default 0.5, to keep the suite fast).
/// </summary>
/// <remarks>
/// The rate is frames the receiver's callback saw between the start and the end of the measured
/// window, over the window: frames dropped at the receiving guest's rx ring are not delivered and
/// not counted. After the sender stops and the path drains, every frame sent must be either
/// received or counted as dropped, so a miscount fails the test.
/// </remarks>
[TestClass]
public sealed class FrameRateBench
{
    private const int FrameBytes = 64;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("bench")]
    public async Task PrintSmallFramesPerSecond()
    {
        var seconds = double.TryParse(Environment.GetEnvironmentVariable("PARAIO_NET_BENCH_SECONDS"), out var s) ? s : 0.5;
        await using var rig = new NetRig();
        long received = 0;
        long corrupt = 0;
        var one = rig.Connect(1);
        var two = rig.Connect(2, receiver: frame =>
        {
            // Count in place; check one byte of the sender's stamp so a path moving no data shows.
            if (frame.Length != FrameBytes || frame.GetSegment(0)[FrameBytes - 1] != 0x5A)
            {
                corrupt++;
            }

            Volatile.Write(ref received, received + 1); // one writer: the queue thread
        });
        // Guest 2 announces itself so the bridge learns it: the run is unicast, not flooding.
        two.Front.Send(Frames.Build(MacAddress.Broadcast, two.Mac, 60, 0));
        Assert.IsTrue(Waits.Until(() => rig.Bridges.GetOrCreate("br0").AddressCount == 1), "the bridge learns guest 2");
        var template = Frames.Build(two.Mac, one.Mac, FrameBytes, 1);
        template[FrameBytes - 1] = 0x5A;

        var total = Run(one.Front, template, TimeSpan.FromSeconds(Math.Min(0.3, seconds / 2)), 1); // warm up
        foreach (var burst in (int[])[1, 32])
        {
            var before = Volatile.Read(ref received);
            var dropsBefore = two.Back.Counters.RxDroppedTotal;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var sent = Run(one.Front, template, TimeSpan.FromSeconds(seconds), burst);
            var delivered = Volatile.Read(ref received) - before; // in the window only, read when the sender stops
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var dropped = two.Back.Counters.RxDroppedTotal - dropsBefore;
            total += sent;
            var how = burst == 1 ? "one push a frame" : $"bursts of {burst} (Send more: true)";
            var line = $"64-byte frames guest→guest, {how}: {delivered / elapsed:N0} frames/s delivered ({sent / elapsed:N0} sent/s; in {elapsed:F2} s {delivered:N0} delivered, {dropped:N0} dropped at guest 2's rx ring, of {sent:N0} sent; {cpuSeconds / elapsed:F2} cores busy, {cpuSeconds * 1e9 / Math.Max(delivered, 1):F0} ns CPU per delivered frame)";
            TestContext.WriteLine(line);
            Console.WriteLine("[bench] " + line);
            Assert.IsGreaterThan(0, delivered);

            // Drain: every frame sent is received or counted as dropped, nothing else.
            var accounted = Waits.Until(() => Volatile.Read(ref received) + two.Back.Counters.RxDroppedTotal >= total, TimeSpan.FromSeconds(5));
            Assert.IsTrue(accounted, "every frame sent is received or dropped");
            Assert.AreEqual(total, Volatile.Read(ref received) + two.Back.Counters.RxDroppedTotal, "received + dropped = sent");
        }

        Assert.AreEqual(0, corrupt);
        Assert.AreEqual(0, one.Back.Counters.MalformedTotal);
    }

    private static long Run(NetFrontDevice device, byte[] template, TimeSpan duration, int burst)
    {
        long sent = 0;
        var stop = Stopwatch.StartNew();
        while (stop.Elapsed < duration)
        {
            for (var i = 0; i < 256; i++)
            {
                var frame = device.BeginSend(FrameBytes);
                template.CopyTo(frame.GetSegment(0)); // the caller builds its frame in the granted page
                frame.Send(default, more: (i % burst) != burst - 1);
            }

            sent += 256;
        }

        return sent;
    }
}
