using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>The tools a guest would really use (libnbd's nbdinfo and nbdcopy, qemu-img, fio) work against the export unmodified.</summary>
[TestClass]
public sealed class ToolInteropTests
{
    [TestMethod]
    public async Task NbdinfoSeesTheSizeFlagsAndBlockSizesOfAWritableExport()
    {
        ExternalTool.Require("nbdinfo", "libnbd-bin");
        await using var export = TestExport.Start();

        var info = await NbdinfoAsync(export);

        Assert.AreEqual(TestExport.DefaultSize, info.GetProperty("export-size").GetInt64());
        Assert.IsFalse(info.GetProperty("is_read_only").GetBoolean());
        Assert.IsTrue(info.GetProperty("can_flush").GetBoolean());
        Assert.IsTrue(info.GetProperty("can_fua").GetBoolean());
        Assert.IsTrue(info.GetProperty("can_trim").GetBoolean());
        Assert.IsTrue(info.GetProperty("can_zero").GetBoolean());
        Assert.IsTrue(info.GetProperty("can_multi_conn").GetBoolean());
        Assert.IsFalse(info.GetProperty("can_cache").GetBoolean());
        Assert.AreEqual(512, info.GetProperty("block_size_minimum").GetInt32());
        Assert.AreEqual(4096, info.GetProperty("block_size_preferred").GetInt32());
        Assert.AreEqual(32 * 1024 * 1024, info.GetProperty("block_size_maximum").GetInt32());
    }

    [TestMethod]
    public async Task NbdinfoSeesAReadOnlyExportWithoutWriteFeatures()
    {
        ExternalTool.Require("nbdinfo", "libnbd-bin");
        await using var export = TestExport.Start(new MemoryBlockDevice(8 * 1024 * 1024, blockSize: 4096, isReadOnly: true));

        var info = await NbdinfoAsync(export);

        Assert.AreEqual(8 * 1024 * 1024, info.GetProperty("export-size").GetInt64());
        Assert.IsTrue(info.GetProperty("is_read_only").GetBoolean());
        Assert.IsFalse(info.GetProperty("can_trim").GetBoolean());
        Assert.IsFalse(info.GetProperty("can_zero").GetBoolean());
        Assert.IsFalse(info.GetProperty("can_fua").GetBoolean());
        Assert.AreEqual(4096, info.GetProperty("block_size_minimum").GetInt32());
    }

    [TestMethod]
    public async Task QemuImgConvertsAFileInAndBackOutByteForByte()
    {
        ExternalTool.Require("qemu-img", "qemu-utils");
        await using var export = TestExport.Start();
        var source = WriteRandomFile(export.TempFile("in.img"), TestExport.DefaultSize);
        var target = export.TempFile("out.img");

        // -n: the export exists already; qemu-img must not try to create it.
        var copyIn = await ExternalTool.RunAsync("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source, export.Uri);
        Assert.AreEqual(0, copyIn.ExitCode, copyIn.ToString());
        var copyOut = await ExternalTool.RunAsync("qemu-img", "convert", "-f", "raw", "-O", "raw", export.Uri, target);
        Assert.AreEqual(0, copyOut.ExitCode, copyOut.ToString());

        AssertSameBytes(source, target);
    }

    [TestMethod]
    public async Task QemuImgZeroesTheHolesOfASparseSourceOverOldData()
    {
        ExternalTool.Require("qemu-img", "qemu-utils");
        ExternalTool.Require("nbdcopy", "libnbd-bin");
        await using var export = TestExport.Start();
        var old = WriteRandomFile(export.TempFile("old.img"), TestExport.DefaultSize);
        var sparse = WriteRandomFile(export.TempFile("sparse.img"), TestExport.DefaultSize / 2);
        using (var file = File.OpenWrite(sparse))
        {
            file.SetLength(TestExport.DefaultSize);
        }

        var target = export.TempFile("out.img");

        // qemu-img writes the hole as zeroes (NBD_CMD_WRITE_ZEROES where offered) over the old data.
        Assert.AreEqual(0, (await ExternalTool.RunAsync("nbdcopy", old, export.Uri)).ExitCode);
        var convert = await ExternalTool.RunAsync("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", sparse, export.Uri);
        Assert.AreEqual(0, convert.ExitCode, convert.ToString());
        Assert.AreEqual(0, (await ExternalTool.RunAsync("nbdcopy", export.Uri, target)).ExitCode);

        AssertSameBytes(sparse, target);
    }

    [TestMethod]
    public async Task NbdcopyCopiesAFileInAndBackOutByteForByte()
    {
        ExternalTool.Require("nbdcopy", "libnbd-bin");
        await using var export = TestExport.Start();
        var source = WriteRandomFile(export.TempFile("in.img"), TestExport.DefaultSize);
        var target = export.TempFile("out.img");

        var copyIn = await ExternalTool.RunAsync("nbdcopy", source, export.Uri);
        Assert.AreEqual(0, copyIn.ExitCode, copyIn.ToString());
        var copyOut = await ExternalTool.RunAsync("nbdcopy", export.Uri, target);
        Assert.AreEqual(0, copyOut.ExitCode, copyOut.ToString());

        AssertSameBytes(source, target);
    }

    [TestMethod]
    [DataRow("4k")]
    [DataRow("64k")]
    public async Task FioRandomWritesVerifyWithCrc32cAtQueueDepth16(string blockSize)
    {
        ExternalTool.Require("fio", "fio");
        await using var export = TestExport.Start();

        var fio = await ExternalTool.RunAsync(
            "fio",
            "--name=verify",
            "--ioengine=nbd",
            $"--uri={export.Uri}",
            "--rw=randwrite",
            $"--bs={blockSize}",
            "--iodepth=16",
            "--size=32M",
            "--verify=crc32c",
            "--do_verify=1",
            "--verify_fatal=1",
            "--output-format=json");

        Assert.AreEqual(0, fio.ExitCode, fio.ToString());
        Assert.DoesNotContain("verify", fio.Stderr, fio.ToString());

        // The nbd engine prints a line before the JSON.
        using var report = JsonDocument.Parse(fio.Stdout[fio.Stdout.IndexOf('{', StringComparison.Ordinal)..]);
        var job = report.RootElement.GetProperty("jobs")[0];
        Assert.AreEqual(0, job.GetProperty("error").GetInt32(), fio.ToString());
        Assert.AreEqual(32L * 1024 * 1024, job.GetProperty("write").GetProperty("io_bytes").GetInt64(), "every block written");
        Assert.AreEqual(32L * 1024 * 1024, job.GetProperty("read").GetProperty("io_bytes").GetInt64(), "every block read back and verified");
        Assert.AreEqual(0, export.Server.Statistics.ErrorReplies);
    }

    private static async Task<JsonElement> NbdinfoAsync(TestExport export)
    {
        var result = await ExternalTool.RunAsync("nbdinfo", "--json", export.Uri);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        Assert.IsFalse(document.RootElement.GetProperty("structured").GetBoolean(), "the server offers simple replies only");
        return document.RootElement.GetProperty("exports")[0].Clone();
    }

    private static string WriteRandomFile(string path, long length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertSameBytes(string expectedPath, string actualPath)
    {
        var expected = File.ReadAllBytes(expectedPath);
        var actual = File.ReadAllBytes(actualPath);
        Assert.HasCount(expected.Length, actual);
        Assert.IsTrue(expected.AsSpan().SequenceEqual(actual), "the bytes that came back differ from those sent");
    }
}
