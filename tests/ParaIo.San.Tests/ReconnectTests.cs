using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.San;

namespace ParaIo.San.Tests;

/// <summary>
/// The SAN goes away under the LUN: nbdkit is killed with SIGKILL mid-I/O and started again, or
/// never comes back, or stops answering. Requests complete after the reconnect, or fail with
/// <see cref="IOException"/> after the deadline; none hangs.
/// </summary>
[TestClass]
public sealed class ReconnectTests
{
    private const int Disk = 32 << 20;

    [TestMethod]
    public async Task RequestsInFlightWhenTheServerIsKilledCompleteAfterItRestarts()
    {
        await using var server = await SanServer.NbdkitFileAsync(Disk);
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions { ReconnectDeadline = TimeSpan.FromSeconds(10) }, CancellationToken.None).Within();
        var model = new byte[Disk];
        var written = 0;
        using var stop = new CancellationTokenSource();

        // 16 writers, each writing 64 KiB blocks one after another into its own stripe, never the same block twice.
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var stripe = Disk / 16;
            for (var block = 0; block < stripe / (64 << 10) && !stop.IsCancellationRequested; block++)
            {
                var offset = (w * stripe) + (block * (64 << 10));
                var data = Patterns.Random(64 << 10, (w * 1000) + block);
                await lun.WriteAsync(offset, data);
                data.CopyTo(model.AsSpan(offset));
                Interlocked.Increment(ref written);
            }
        })).ToArray();

        Assert.IsTrue(await Waits.UntilAsync(() => Volatile.Read(ref written) >= 32), "writes are flowing");
        await server.KillAsync();
        var atKill = Volatile.Read(ref written);
        await Task.Delay(300);
        await server.StartAsync();
        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(writers).Within();

        Assert.IsTrue(lun.Reconnects >= 1, $"{lun.Reconnects} reconnects");
        Assert.IsTrue(lun.RetriedRequests >= 1, $"{lun.RetriedRequests} requests retried");
        Assert.IsTrue(Volatile.Read(ref written) > atKill, "writes flowed again after the restart");
        var back = new byte[Disk];
        await lun.ReadAsync(0, back).Within();
        CollectionAssert.AreEqual(model, back);
        CollectionAssert.AreEqual(model, Patterns.Image(server.ImagePath, Disk));
    }

    [TestMethod]
    public async Task AnIdleLunIsConnectedAgainBeforeItsNextRequest()
    {
        await using var server = await SanServer.NbdkitFileAsync(1 << 20);
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions(), CancellationToken.None).Within();
        var data = Patterns.Random(4096, 1);
        await lun.WriteAsync(0, data).Within();

        await server.KillAsync();
        Assert.IsTrue(await Waits.UntilAsync(() => !lun.IsConnected), "the LUN notices the loss without a request");
        await server.StartAsync();
        Assert.IsTrue(await Waits.UntilAsync(() => lun.IsConnected), "and reconnects by itself");

        var back = new byte[4096];
        await lun.ReadAsync(0, back).Within();
        CollectionAssert.AreEqual(data, back);
        Assert.AreEqual(1, lun.Reconnects);
        Assert.AreEqual(0, lun.RetriedRequests);
    }

    [TestMethod]
    public async Task AServerThatNeverComesBackFailsRequestsAfterTheDeadline()
    {
        await using var server = await SanServer.NbdkitFileAsync(1 << 20);
        var deadline = TimeSpan.FromSeconds(1);
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), new NbdLunOptions { ReconnectDeadline = deadline }, CancellationToken.None).Within();

        var inFlight = Enumerable.Range(0, 8).Select(i => lun.ReadAsync(i * 4096, new byte[64 << 10]).AsTask()).ToArray();
        await server.KillAsync();
        var clock = Stopwatch.StartNew();
        var later = lun.WriteAsync(0, new byte[4096]).AsTask();

        foreach (var task in inFlight.Append(later))
        {
            try
            {
                await task.Within();
            }
            catch (IOException e)
            {
                StringAssert.Contains(e.Message, "did not come back within 1 s");
            }
        }

        Assert.IsTrue(later.IsFaulted, "the request made after the kill fails");
        Assert.IsInstanceOfType<IOException>(later.Exception!.InnerException);
        Assert.IsTrue(clock.Elapsed >= deadline * 0.9, $"it waited for the server ({clock.Elapsed})");
    }

    [TestMethod]
    public async Task AServerThatStopsAnsweringIsTakenForDead()
    {
        // SIGSTOP: the connection stays up and the socket accepts, but nothing is answered, not
        // even a new handshake. The request deadline ends the connection, the connect deadline each
        // reconnect, the LUN's deadline the request.
        await using var server = await SanServer.NbdkitFileAsync(1 << 20);
        var options = new NbdLunOptions
        {
            ReconnectDeadline = TimeSpan.FromSeconds(1),
            Client = new NbdClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300), ConnectTimeout = TimeSpan.FromMilliseconds(300) },
        };
        await using var lun = await NbdLun.ConnectAsync(server.Uri(), options, CancellationToken.None).Within();
        await Signal(server, "STOP");
        try
        {
            var failure = await Assert.ThrowsAsync<IOException>(() => lun.ReadAsync(0, new byte[4096]).AsTask().Within());
            StringAssert.Contains(failure.Message, "did not come back");
            Assert.IsTrue(failure.Message.Contains("did not answer", StringComparison.Ordinal) || failure.Message.Contains("took longer", StringComparison.Ordinal), failure.Message);
        }
        finally
        {
            await Signal(server, "CONT");
        }
    }

    private static async Task Signal(SanServer server, string signal)
    {
        var pid = server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var kill = Process.Start("kill", ["-" + signal, pid]);
        await kill.WaitForExitAsync().Within();
        if (signal == "STOP")
        {
            // The signal is delivered asynchronously: wait until every thread of the server is
            // stopped ('T' in /proc/PID/task/*/stat), or a request sent now may still be answered.
            var deadline = Stopwatch.StartNew();
            while (!Directory.EnumerateDirectories($"/proc/{pid}/task").All(task => StateOf(Path.Combine(task, "stat")) == 'T'))
            {
                Assert.IsLessThan(TimeSpan.FromSeconds(5), deadline.Elapsed, "nbdkit did not stop");
                await Task.Delay(5);
            }
        }
    }

    private static char StateOf(string statFile)
    {
        try
        {
            var stat = File.ReadAllText(statFile);
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : '?';
        }
        catch (IOException)
        {
            return 'T'; // a thread that is gone answers nothing either
        }
    }
}
