using System.Numerics;
using System.Runtime.InteropServices;

namespace ParaIo.Load.Measurement;

/// <summary>
/// Reads every byte of a buffer and folds it into one ulong with XOR, a vector at a time: the
/// "consume the payload" step of the zero-copy scenario, the same code on both transports.
/// </summary>
internal static class XorFold
{
    public static ulong Fold(ReadOnlySpan<byte> data)
    {
        var vectors = MemoryMarshal.Cast<byte, Vector<ulong>>(data);
        Vector<ulong> a = default, b = default, c = default, d = default;
        var i = 0;
        // Four accumulators keep four loads in flight; one would serialise on the XOR.
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a ^= vectors[i];
            b ^= vectors[i + 1];
            c ^= vectors[i + 2];
            d ^= vectors[i + 3];
        }

        for (; i < vectors.Length; i++)
        {
            a ^= vectors[i];
        }

        var all = a ^ b ^ c ^ d;
        var fold = 0ul;
        for (var lane = 0; lane < Vector<ulong>.Count; lane++)
        {
            fold ^= all[lane];
        }

        var tail = MemoryMarshal.Cast<byte, ulong>(data[(vectors.Length * Vector<byte>.Count)..]);
        foreach (var word in tail)
        {
            fold ^= word;
        }

        return fold;
    }
}
