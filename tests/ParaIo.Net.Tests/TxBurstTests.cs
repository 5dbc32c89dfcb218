using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Frontend.Net;

namespace ParaIo.Net.Tests;

/// <summary>Frames sent with "more" are held back until the burst ends, and never strand a sender.</summary>
[TestClass]
public sealed class TxBurstTests
{
    [TestMethod]
    public async Task FramesSentWithMoreArriveOnlyWhenTheBurstEnds()
    {
        await using var rig = new NetRig();
        var one = rig.Connect(1);
        var two = rig.Connect(2);
        var frames = Enumerable.Range(0, 3).Select(i => Frames.Build(two.Mac, one.Mac, 60 + i, i)).ToArray();
        foreach (var bytes in frames)
        {
            var frame = one.Front.BeginSend(bytes.Length);
            frame.Write(bytes);
            frame.Send(default, more: true);
        }

        Assert.IsTrue(two.Silent(), "nothing is published before the burst ends");
        Assert.AreEqual(0, one.Back.Counters.TxFrames);
        one.Front.Flush();
        foreach (var bytes in frames)
        {
            CollectionAssert.AreEqual(bytes, two.Next().Bytes);
        }

        // A frame sent without "more" ends a burst as well.
        var last = Frames.Build(two.Mac, one.Mac, 80, 9);
        var held = one.Front.BeginSend(60);
        held.Write(frames[0]);
        held.Send(default, more: true);
        one.Front.Send(last);
        CollectionAssert.AreEqual(frames[0], two.Next().Bytes);
        CollectionAssert.AreEqual(last, two.Next().Bytes);
    }

    [TestMethod]
    public async Task ABurstLongerThanTheTxPagesDoesNotStrandTheSender()
    {
        await using var rig = new NetRig();
        var one = rig.Connect(1, options: new NetFrontendOptions { TxPages = 16, RxPages = 32 });
        long received = 0;
        var two = rig.Connect(2, receiver: _ => Interlocked.Increment(ref received));
        two.Front.Send(Frames.Build(MacAddress.Broadcast, two.Mac, 60, 0));
        Assert.IsTrue(Waits.Until(() => rig.Bridges.GetOrCreate("br0").AddressCount == 1));
        var template = Frames.Build(two.Mac, one.Mac, 60, 1);
        var sender = Task.Run(() =>
        {
            // Never ends the burst itself: running out of pages must publish what is held back.
            for (var i = 0; i < 200; i++)
            {
                var frame = one.Front.BeginSend(template.Length);
                frame.Write(template);
                frame.Send(default, more: true);
            }
        });
        await sender.Within();
        one.Front.Flush();
        Assert.IsTrue(Waits.Until(() => Interlocked.Read(ref received) + two.Back.Counters.RxDroppedTotal == 200));
        Assert.IsTrue(Waits.Until(() => one.Front.FreeTxPages == one.Front.TxPageCount), "every tx page comes back");
    }
}
