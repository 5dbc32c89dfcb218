using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Frontend.Block;

namespace ParaIo.Block.Tests;

/// <summary>A LUN that fails (a full disk, a failed SAN): the guest gets errors, the operator a log line, not one a request.</summary>
[TestClass]
public sealed class IoErrorTests
{
    [TestMethod]
    public async Task FailedWritesAnswerErrorAndAreLoggedOnceAnIntervalWithTheReason()
    {
        await using var rig = new BlockRig();
        var logger = new FakeLogger();
        rig.BackendLogger = logger;
        var lun = new GatedLun(rig.CreateLun(1 << 20)) { WriteFailure = new IOException("No space left on device") };
        var (front, back) = await rig.ConnectAsync(lun);
        using var buffer = front.AllocateBuffer(4096);

        for (var i = 0; i < 20; i++)
        {
            var failed = await Assert.ThrowsExactlyAsync<BlockRequestException>(async () => await front.WriteAsync(i * 8L, buffer.Memory));
            Assert.AreEqual(ParaIo.Protocol.Block.BlkifStatus.Error, failed.Status);
        }

        lun.WriteFailure = null;
        await front.WriteAsync(0, buffer.Memory).Within();
        await front.ReadAsync(0, buffer.Memory).Within();

        Assert.AreEqual(20, back.Counters.IoErrors);
        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.HasCount(1, warnings, string.Join('\n', warnings.Select(w => w.Message)));
        StringAssert.Contains(warnings[0].Message, "Block device dom1/vbd/0: Write at byte 0 failed, answered ERROR: No space left on device (1 I/O error(s) since the last report, 1 in all)");
    }
}
