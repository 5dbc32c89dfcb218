using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;

namespace ParaIo.San.Tests;

/// <summary>The random-pattern integrity check run against every kind of LUN: concurrent writes to disjoint ranges, then concurrent reads, all checked against a model.</summary>
internal static class Patterns
{
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// <paramref name="rounds"/> rounds of <paramref name="concurrency"/> writes in flight together,
    /// each 512 B..<paramref name="maxBytes"/> into its own stripe of the disk (so the model is exact
    /// whatever order the server ran them in), half of them as scatter/gather lists of 4 KiB pieces
    /// as BlkBack passes them; then as many concurrent reads of random ranges, each checked.
    /// </summary>
    public static async Task<byte[]> RunAsync(ILun lun, int diskBytes, int seed, int concurrency = 32, int rounds = 4, int maxBytes = 1 << 20)
    {
        var model = new byte[diskBytes];
        var random = new Random(seed);
        var stripe = diskBytes / concurrency;
        for (var round = 0; round < rounds; round++)
        {
            var writes = new List<Task>();
            for (var i = 0; i < concurrency; i++)
            {
                var bytes = random.Next(1, Math.Min(maxBytes, stripe) / 512 + 1) * 512;
                var offset = (long)(i * stripe) + (random.Next(0, (stripe - bytes) / 512 + 1) * 512L);
                var data = Random(bytes, random.Next());
                data.CopyTo(model.AsSpan((int)offset));
                writes.Add(i % 2 == 0 ? lun.WriteAsync(offset, data).AsTask() : lun.WriteAsync(offset, Pieces(data)).AsTask());
            }

            await Task.WhenAll(writes).Within();
        }

        var reads = new List<Task>();
        for (var i = 0; i < concurrency * rounds; i++)
        {
            var bytes = random.Next(1, Math.Min(maxBytes, diskBytes) / 512 + 1) * 512;
            var offset = random.Next(0, (diskBytes - bytes) / 512 + 1) * 512L;
            reads.Add(ReadAndCheckAsync(lun, offset, bytes, model, scatter: i % 2 == 1));
        }

        await Task.WhenAll(reads).Within();
        return model;
    }

    public static IReadOnlyList<ReadOnlyMemory<byte>> Pieces(byte[] data, int piece = 4096) =>
        Enumerable.Range(0, (data.Length + piece - 1) / piece).Select(i => (ReadOnlyMemory<byte>)data.AsMemory(i * piece, Math.Min(piece, data.Length - (i * piece)))).ToArray();

    public static async Task ReadAndCheckAsync(ILun lun, long offset, int bytes, byte[] model, bool scatter)
    {
        var target = new byte[bytes];
        if (scatter)
        {
            // Uneven pieces: the reply's data crosses them at odd places.
            var pieces = new List<Memory<byte>>();
            for (var at = 0; at < bytes;)
            {
                var length = Math.Min(bytes - at, 512 * (1 + (at / 512 % 9)));
                pieces.Add(target.AsMemory(at, length));
                at += length;
            }

            await lun.ReadAsync(offset, pieces);
        }
        else
        {
            await lun.ReadAsync(offset, target);
        }

        Assert.IsTrue(target.AsSpan().SequenceEqual(model.AsSpan((int)offset, bytes)), $"read of {bytes} bytes at {offset}{(scatter ? " (scattered)" : "")} matches what was written");
    }

    /// <summary>The image file the server serves, read behind its back.</summary>
    public static byte[] Image(string path, int bytes)
    {
        var image = new byte[bytes];
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var done = 0;
        while (done < bytes)
        {
            var got = RandomAccess.Read(file, image.AsSpan(done), done);
            if (got == 0)
            {
                break;
            }

            done += got;
        }

        return image;
    }
}
