using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// The block path end to end, with real processes: a disk made by paraiod, attached to a domain,
/// exported by paraio-guest over NBD, used by the ordinary tools (nbdcopy, fio) and by a raw NBD
/// client; paraiod killed with SIGKILL under it.
/// </summary>
[TestClass]
public sealed class GuestDiskTests
{
    private const long DiskBytes = 64L << 20;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task NbdcopyAndFioVerifySeeTheSameBytesAsTheImageFile()
    {
        ExternalTool.Require("nbdcopy", "libnbd-bin");
        ExternalTool.Require("fio", "fio");
        await using var rig = await DiskRig.StartAsync();
        var uri = rig.Uri;

        var source = Path.Combine(rig.Daemon.Directory, "source.bin");
        var data = RandomNumberGenerator.GetBytes(16 << 20);
        await File.WriteAllBytesAsync(source, data);
        AssertTool(await ExternalTool.RunAsync("nbdcopy", source, uri));
        var copy = Path.Combine(rig.Daemon.Directory, "copy.bin");
        AssertTool(await ExternalTool.RunAsync("nbdcopy", uri, copy));
        var back = await File.ReadAllBytesAsync(copy);
        Assert.AreEqual(DiskBytes, back.LongLength);
        Assert.IsTrue(back.AsSpan(0, data.Length).SequenceEqual(data), "nbdcopy read back what it wrote");
        // nbdcopy flushes at the end: the bytes are in paraiod's image file, not just in a cache.
        Assert.IsTrue(ImageFile.Read(rig.ImagePath, 0, data.Length).SequenceEqual(data), "the image file holds what went through the guest");

        // fio writes random 4 KiB and 128 KiB (INDIRECT) blocks with checksums and verifies them.
        foreach (var blockSize in new[] { "4k", "128k" })
        {
            var fio = await ExternalTool.RunAsync(
                "fio", "--name=verify", "--ioengine=nbd", $"--uri={uri}", "--rw=randwrite", $"--bs={blockSize}", "--size=32M", "--offset=32M",
                "--iodepth=16", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1", "--output-format=json");
            AssertTool(fio);
            var job = JsonDocument.Parse(fio.Stdout[fio.Stdout.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("jobs")[0];
            Assert.AreEqual(0, job.GetProperty("error").GetInt32(), fio.Stdout);
            Assert.AreEqual(32L << 20, job.GetProperty("write").GetProperty("io_bytes").GetInt64(), $"fio wrote the whole range at {blockSize}");
            Assert.AreEqual(32L << 20, job.GetProperty("read").GetProperty("io_bytes").GetInt64(), $"fio read the whole range back to verify it at {blockSize}");
        }
    }

    [TestMethod]
    public async Task WritesAcknowledgedBeforeAFlushSurviveKillMinus9OfParaiod()
    {
        await using var rig = await DiskRig.StartAsync();
        await using var client = await RawNbdClient.OpenAsync(rig.SocketPath);
        var blocks = Enumerable.Range(0, 64).Select(i => (Offset: (ulong)i * 997 * 4096 % (DiskBytes - 65536), Data: RandomNumberGenerator.GetBytes(i % 2 == 0 ? 4096 : 65536))).ToList();
        // Later blocks may overlap earlier ones: the expected image is built in the same order.
        var expected = new byte[DiskBytes];
        ulong cookie = 1;
        foreach (var (offset, bytes) in blocks)
        {
            await client.WriteAsync(offset, bytes, cookie++);
            bytes.CopyTo(expected, (long)offset);
        }

        await client.SendRequestAsync(Wire.CmdFlush, cookie, 0, 0);
        var flushed = await client.ReadReplyAsync();
        Assert.AreEqual(0u, flushed.Error);
        Assert.AreEqual(cookie, flushed.Cookie);

        rig.Daemon.Process.Kill();

        foreach (var (offset, bytes) in blocks)
        {
            CollectionAssert.AreEqual(expected.AsSpan((int)offset, bytes.Length).ToArray(), ImageFile.Read(rig.ImagePath, (long)offset, bytes.Length), $"block at {offset}");
        }
    }

    [TestMethod]
    public async Task RequestsSentWhileParaiodIsDownCompleteOnceAfterItComesBack()
    {
        await using var rig = await DiskRig.StartAsync();
        await using var client = await RawNbdClient.OpenAsync(rig.SocketPath);
        var before = RandomNumberGenerator.GetBytes(65536);
        await client.WriteAsync(0, before, cookie: 100);

        // paraiod dies; the guest keeps its disk and its NBD export, and takes requests meanwhile.
        await rig.Daemon.KillAsync();
        rig.Guest.WaitForLine("\"state\":\"Closed\"", Paraiod.Patience);
        var writes = Enumerable.Range(0, 8).Select(i => (Offset: (ulong)(1 + i) * 65536, Data: RandomNumberGenerator.GetBytes(65536))).ToList();
        ulong cookie = 1;
        foreach (var (offset, bytes) in writes)
        {
            await client.SendRequestAsync(Wire.CmdWrite, cookie++, offset, (uint)bytes.Length, payload: bytes);
        }

        await client.SendRequestAsync(Wire.CmdRead, cookie++, 0, 65536);
        await client.SendRequestAsync(Wire.CmdFlush, cookie, 0, 0);
        await Task.Delay(300);
        Assert.AreEqual(0, client.Available, "nothing can be answered while paraiod is down");
        await rig.Daemon.StartAgainAsync();
        rig.Guest.WaitForLine("\"state\":\"Connected\"", Paraiod.Patience, occurrence: 2);

        var replies = new Dictionary<ulong, int>();
        byte[]? read = null;
        for (var i = 0; i < writes.Count + 2; i++)
        {
            var header = await client.ReadExactlyAsync(16);
            var replyCookie = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
            Assert.AreEqual(0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)), $"request {replyCookie} failed");
            replies[replyCookie] = replies.GetValueOrDefault(replyCookie) + 1;
            if (replyCookie == (ulong)writes.Count + 1)
            {
                read = await client.ReadExactlyAsync(65536);
            }
        }

        CollectionAssert.AreEquivalent(Enumerable.Range(1, writes.Count + 2).Select(i => (ulong)i).ToList(), replies.Keys.ToList(), "every request answered");
        Assert.IsTrue(replies.Values.All(count => count == 1), "each request answered exactly once");
        CollectionAssert.AreEqual(before, read, "the read sent during the outage saw the data written before it");
        foreach (var (offset, bytes) in writes)
        {
            CollectionAssert.AreEqual(bytes, ImageFile.Read(rig.ImagePath, (long)offset, bytes.Length), $"write at {offset} reached the image");
        }

        // Nothing more is on the wire: a duplicate reply would show up here.
        await client.SendRequestAsync(Wire.CmdFlush, 999, 0, 0);
        Assert.AreEqual(999ul, (await client.ReadReplyAsync()).Cookie);
    }

    [TestMethod]
    public async Task ADiskOnASanServedByNbdkitCarriesTheGuestsBytes()
    {
        ExternalTool.Require("nbdkit", "nbdkit");
        ExternalTool.Require("nbdcopy", "libnbd-bin");
        await using var daemon = await Paraiod.StartAsync();
        var image = Path.Combine(daemon.Directory, "san.img");
        await using (var file = File.Create(image))
        {
            file.SetLength(DiskBytes);
        }

        var socket = Path.Combine(daemon.Directory, "san.sock");
        var pidFile = Path.Combine(daemon.Directory, "san.pid");
        AssertTool(await ExternalTool.RunAsync("nbdkit", "--unix", socket, "--pidfile", pidFile, "file", image));
        try
        {
            var san = await daemon.ControlAsync("disk-san", "shared", $"nbd+unix:///?socket={socket}");
            Assert.AreEqual(DiskBytes, san.GetProperty("bytes").GetInt64());
            var (_, token) = await daemon.CreateDomainAsync("app", "vbd,disk=shared");
            using var guest = daemon.StartGuest("app", token);
            var export = JsonDocument.Parse(guest.WaitForLine("\"event\":\"export\"", Paraiod.Patience)).RootElement;
            var uri = $"nbd+unix:///?socket={export.GetProperty("socket").GetString()}";

            var source = Path.Combine(daemon.Directory, "source.bin");
            var data = RandomNumberGenerator.GetBytes(8 << 20);
            await File.WriteAllBytesAsync(source, data);
            AssertTool(await ExternalTool.RunAsync("nbdcopy", source, uri));

            // Guest → BlkFront → ring → BlkBack → NBD client in paraiod → nbdkit → the SAN's file.
            Assert.IsTrue(ImageFile.Read(image, 0, data.Length).SequenceEqual(data), "the SAN's image holds what the guest wrote");
            var copy = Path.Combine(daemon.Directory, "copy.bin");
            AssertTool(await ExternalTool.RunAsync("nbdcopy", uri, copy));
            Assert.IsTrue((await File.ReadAllBytesAsync(copy)).AsSpan(0, data.Length).SequenceEqual(data));
            var list = await daemon.ControlAsync("disk-list");
            Assert.AreEqual("san", list[0].GetProperty("kind").GetString());
        }
        finally
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        }
    }

    [TestMethod]
    public async Task AReadOnlyAttachmentRefusesWritesWithEperm()
    {
        await using var daemon = await Paraiod.StartAsync();
        await daemon.ControlAsync("disk-create", "base", (8L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (_, token) = await daemon.CreateDomainAsync("reader", "vbd,disk=base,mode=r");
        using var guest = daemon.StartGuest("reader", token);
        var export = JsonDocument.Parse(guest.WaitForLine("\"event\":\"export\"", Paraiod.Patience)).RootElement;
        Assert.IsTrue(export.GetProperty("readOnly").GetBoolean());
        await using var client = await RawNbdClient.OpenAsync(export.GetProperty("socket").GetString()!);
        Assert.AreNotEqual(0, client.TransmissionFlags & Wire.FlagReadOnly, "the export says read-only");

        await client.SendRequestAsync(Wire.CmdWrite, 7, 0, 4096, payload: new byte[4096]);
        var reply = await client.ReadReplyAsync();
        Assert.AreEqual(7ul, reply.Cookie);
        Assert.AreEqual(1u, reply.Error, "EPERM");
        Assert.AreEqual(4096, (await client.ReadAsync(0, 4096, 8)).Length, "reads still work");
    }

    [TestMethod]
    public async Task ADiskIsRefusedWhereItCannotBeServed()
    {
        await using var daemon = await Paraiod.StartAsync();
        var missing = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => daemon.CreateDomainAsync("web", "vbd,disk=nope"));
        StringAssert.Contains(missing.Message, "no disk named 'nope'");
        await daemon.ControlAsync("disk-create", "data", "1048576");
        await daemon.CreateDomainAsync("web", "vbd,disk=data");
        var second = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => daemon.CreateDomainAsync("db", "vbd,disk=data"));
        StringAssert.Contains(second.Message, "one writer");
        var inUse = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => daemon.ControlAsync("disk-delete", "data"));
        StringAssert.Contains(inUse.Message, "detach it first");
        var list = await daemon.ControlAsync("disk-list");
        Assert.AreEqual("web", list[0].GetProperty("attachedTo")[0].GetProperty("domain").GetString());
    }

    private static void AssertTool(ToolResult result) => Assert.AreEqual(0, result.ExitCode, result.ToString());

    /// <summary>paraiod with one disk, a domain that has it, and its guest exporting it.</summary>
    private sealed class DiskRig : IAsyncDisposable
    {
        private DiskRig(Paraiod daemon, ChildProcess guest, string imagePath, string socketPath)
        {
            Daemon = daemon;
            Guest = guest;
            ImagePath = imagePath;
            SocketPath = socketPath;
        }

        public Paraiod Daemon { get; }

        public ChildProcess Guest { get; }

        public string ImagePath { get; }

        public string SocketPath { get; }

        public string Uri => $"nbd+unix:///?socket={SocketPath}";

        public static async Task<DiskRig> StartAsync()
        {
            var daemon = await Paraiod.StartAsync();
            var disk = await daemon.ControlAsync("disk-create", "data", DiskBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var (_, token) = await daemon.CreateDomainAsync("app", "vbd,disk=data");
            var guest = daemon.StartGuest("app", token);
            var export = JsonDocument.Parse(guest.WaitForLine("\"event\":\"export\"", Paraiod.Patience)).RootElement;
            Assert.AreEqual(DiskBytes, export.GetProperty("bytes").GetInt64());
            return new DiskRig(daemon, guest, disk.GetProperty("path").GetString()!, export.GetProperty("socket").GetString()!);
        }

        public async ValueTask DisposeAsync()
        {
            Guest.Dispose();
            await Daemon.DisposeAsync();
        }
    }
}
