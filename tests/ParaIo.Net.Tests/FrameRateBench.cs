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

            received++;
        });
        // Guest 2 announces itself so the bridge learns it: the run is unicast, not flooding.
        two.Front.Send(Frames.Build(MacAddress.Broadcast, two.Mac, 60, 0));
        var template = Frames.Build(two.Mac, one.Mac, FrameBytes, 1);
        template[FrameBytes - 1] = 0x5A;

        Run(one.Front, template, TimeSpan.FromSeconds(Math.Min(0.3, seconds / 2))); // warm up
        var before = Volatile.Read(ref received);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var sent = Run(one.Front, template, TimeSpan.FromSeconds(seconds));
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Waits.Until(() => Volatile.Read(ref received) - before >= sent - two.Back.Counters.RxDroppedTotal, TimeSpan.FromSeconds(2));
        var got = Volatile.Read(ref received) - before;

        var rate = got / elapsed;
        var line = $"64-byte frames guest→guest: {rate:N0} frames/s delivered ({sent / elapsed:N0} sent/s, {got:N0} of {sent:N0} in {elapsed:F2} s, rx drops {two.Back.Counters.RxDroppedTotal:N0}, {cpuSeconds / elapsed:F2} cores busy, {cpuSeconds * 1e9 / Math.Max(got, 1):F0} ns CPU per frame)";
        TestContext.WriteLine(line);
        Console.WriteLine("[bench] " + line);
        Assert.AreEqual(0, corrupt);
        Assert.IsGreaterThan(0, got);
        Assert.AreEqual(0, one.Back.Counters.MalformedTotal);
    }

    private static long Run(NetFrontDevice device, byte[] template, TimeSpan duration)
    {
        long sent = 0;
        var stop = Stopwatch.StartNew();
        while (stop.Elapsed < duration)
        {
            for (var i = 0; i < 256; i++)
            {
                var frame = device.BeginSend(FrameBytes);
                template.CopyTo(frame.GetSegment(0)); // the caller builds its frame in the granted page
                frame.Send();
            }

            sent += 256;
        }

        return sent;
    }
}
