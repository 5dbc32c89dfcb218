using System.Buffers.Binary;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
/// big-endian words. Sums are kept unfolded in 64 bits so that pieces (a pseudo-header, a header,
/// a payload) can be added one after another and folded once.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to <paramref name="sum"/>; an odd last byte counts as the high byte of a word.</summary>
    /// <remarks>Every piece but the last must have an even length, or the words after it would be misaligned.</remarks>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        // Four bytes at a time: the ones' complement sum of 32-bit words folds to that of their 16-bit halves (RFC 1071 section 2(B)).
        while (data.Length >= 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data);
            data = data[4..];
        }

        if (data.Length >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[2..];
        }

        if (!data.IsEmpty)
        {
            sum += (uint)data[0] << 8;
        }

        return sum;
    }

    /// <summary>Folds <paramref name="sum"/> to 16 bits and complements it: the value that goes in a checksum field.</summary>
    public static ushort Complement(ulong sum)
    {
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>The checksum of <paramref name="data"/> alone (an IPv4 header with its checksum field zero, for one).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Complement(Add(0, data));
}
