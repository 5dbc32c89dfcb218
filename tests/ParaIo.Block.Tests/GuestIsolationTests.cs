using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Protocol.Block;

namespace ParaIo.Block.Tests;

/// <summary>
/// One guest's bad requests cost that guest only: while a hostile guest (its own pool, its own
/// grant mapper) floods its backend with requests that must be refused, another guest's reads
/// and writes all succeed with the right data.
/// </summary>
[TestClass]
public sealed class GuestIsolationTests
{
    private const long Disk = 8L << 20;

    [TestMethod]
    public async Task AGuestSendingBadRequestsLeavesAnotherGuestsIoUntouched()
    {
        await using var hostile = new BlockRig();
        await using var honest = new BlockRig();
        var (raw, hostileBack) = await hostile.ConnectRawAsync(hostile.CreateLun(Disk));
        var (front, honestBack) = await honest.ConnectAsync(honest.CreateLun(Disk));
        var (_, grant) = raw.GrantPage();

        using var stop = new CancellationTokenSource();
        var refused = 0;
        var flood = Task.Run(() =>
        {
            // Alternate kinds of refusal: past the end, first sector after the last, an unknown operation.
            for (ulong id = 1; !stop.IsCancellationRequested; id++)
            {
                var request = (id % 3) switch
                {
                    0 => RawFrontend.Transfer(BlkifOperation.Read, id, (ulong)(Disk / 512), new BlkifSegment(grant.Value, 0, 7)),
                    1 => RawFrontend.Transfer(BlkifOperation.Write, id, 0, new BlkifSegment(grant.Value, 7, 0)),
                    _ => new BlkifRequest { Operation = (BlkifOperation)200, Id = id },
                };
                raw.Send(request);
                var response = raw.Receive();
                Assert.AreEqual(id, response.Id);
                Assert.AreNotEqual(BlkifStatus.Okay, response.Status, $"bad request {id} was served");
                Interlocked.Increment(ref refused);
            }
        });

        // The honest guest keeps going until the flood has really overlapped it: at least 200
        // rounds and 200 refusals, whichever comes later (bounded, so a stuck flood fails).
        var buffer = front.AllocateBuffer(64 << 10);
        var rounds = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var round = 0; round < 200 || (Volatile.Read(ref refused) < 200 && clock.Elapsed < Waits.Limit); round++, rounds++)
        {
            var data = DataIntegrityTests.Pattern(buffer.Length, round);
            data.CopyTo(buffer.Memory.Span);
            var sector = round * 97 % ((Disk - buffer.Length) / 512);
            await front.WriteAsync(sector, buffer.Memory);
            buffer.Memory.Span.Clear();
            await front.ReadAsync(sector, buffer.Memory);
            Assert.IsTrue(buffer.Memory.Span.SequenceEqual(data), $"round {round}");
        }

        await stop.CancelAsync();
        await flood.Within();

        Assert.IsGreaterThanOrEqualTo(200, refused, "the hostile guest was refused all along");
        Assert.AreEqual(refused, hostileBack.Counters.RejectedTotal);
        Assert.IsFalse(hostileBack.Stopped.IsCompleted, "refusing is not a protocol violation: the hostile device still runs");
        Assert.AreEqual(0, honestBack.Counters.RejectedTotal);
        Assert.AreEqual(0, honestBack.Counters.IoErrors);
        Assert.AreEqual(rounds, honestBack.Counters.Writes);
    }
}
