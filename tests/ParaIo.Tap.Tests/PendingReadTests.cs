using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.Devices;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Tests;

/// <summary>A read on an idle TAP waits without a thread and ends in exactly one way: a frame, cancellation or dispose.</summary>
[TestClass]
public sealed class PendingReadTests : RootTestBed
{
    [TestMethod]
    public async Task APendingReadCompletesWhenTheKernelSendsAFrame()
    {
        var (_, tap) = NewTapInNamespace();
        var buffer = new byte[TapDevice.MaxFrameLength];

        var read = tap.ReadAsync(buffer, Deadline());
        await Task.Delay(200);
        Assert.IsFalse(read.IsCompleted, "nothing to read on an idle TAP");

        tap.Write(TestFrames.ArpRequest(TestFrames.PeerMac, TestFrames.PeerIp, TestFrames.TapIp));
        var length = await read;
        Assert.AreEqual(VirtioNetHeader.Size + 42, length, "an ARP reply behind the vnet header");
        Assert.AreEqual(TestFrames.EtherTypeArp, TestFrames.EtherType(buffer.AsSpan(VirtioNetHeader.Size)));
    }

    [TestMethod]
    public async Task ACancelledReadThrowsAndTheNextReadStillWorks()
    {
        var (_, tap) = NewTapInNamespace();
        var buffer = new byte[TapDevice.MaxFrameLength];
        using var cancel = new CancellationTokenSource();

        var read = tap.ReadAsync(buffer, cancel.Token);
        await Task.Delay(100);
        Assert.IsFalse(read.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await read);

        tap.Write(TestFrames.ArpRequest(TestFrames.PeerMac, TestFrames.PeerIp, TestFrames.TapIp));
        var length = await tap.ReadAsync(buffer, Deadline());
        Assert.AreEqual(VirtioNetHeader.Size + 42, length);
    }

    [TestMethod]
    public async Task DisposingTheDeviceEndsAPendingAsyncRead()
    {
        var (_, tap) = NewTapInNamespace();
        var read = tap.ReadAsync(new byte[TapDevice.MaxFrameLength], Deadline()).AsTask();
        await Task.Delay(100);
        Assert.IsFalse(read.IsCompleted);

        tap.Dispose();

        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => read.WaitAsync(TimeSpan.FromSeconds(2)));
    }

    [TestMethod]
    public async Task DisposingTheDeviceEndsABlockedSynchronousRead()
    {
        var (_, tap) = NewTapInNamespace();
        var reader = Task.Factory.StartNew(() => tap.Read(new byte[TapDevice.MaxFrameLength]), TaskCreationOptions.LongRunning);
        await Task.Delay(100);
        Assert.IsFalse(reader.IsCompleted, "Read blocks on an idle TAP");

        tap.Dispose();

        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => reader.WaitAsync(TimeSpan.FromSeconds(2)));
    }

    [TestMethod]
    public async Task TwoConcurrentReadsOnOneDeviceAreRefused()
    {
        var (_, tap) = NewTapInNamespace();
        using var cancel = new CancellationTokenSource();
        var first = tap.ReadAsync(new byte[TapDevice.MaxFrameLength], cancel.Token);

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(async () => await tap.ReadAsync(new byte[TapDevice.MaxFrameLength]));

        await cancel.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await first);
    }

    [TestMethod]
    public async Task ManyDevicesWaitAtOnceWithoutAThreadEach()
    {
        var taps = Enumerable.Range(0, 8).Select(_ => NewTapInNamespace().Tap).ToArray();
        var threadsBefore = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
        var buffers = taps.Select(_ => new byte[TapDevice.MaxFrameLength]).ToArray();
        var reads = taps.Select((tap, i) => tap.ReadAsync(buffers[i], Deadline()).AsTask()).ToArray();
        await Task.Delay(200);
        Assert.IsFalse(reads.Any(r => r.IsCompleted));
        Assert.IsTrue(System.Diagnostics.Process.GetCurrentProcess().Threads.Count < threadsBefore + taps.Length, "pending reads do not hold a thread each");

        foreach (var tap in taps)
        {
            tap.Write(TestFrames.ArpRequest(TestFrames.PeerMac, TestFrames.PeerIp, TestFrames.TapIp));
        }

        var lengths = await Task.WhenAll(reads);
        Assert.IsTrue(lengths.All(length => length == VirtioNetHeader.Size + 42));
    }
}
