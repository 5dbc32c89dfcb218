using System.Buffers.Binary;
using System.Numerics;

namespace ParaIo.Protocol.Net;

/// <summary>
/// The flow hash both ends use to spread frames over queues: one flow (IP addresses and TCP/UDP
/// ports, or the MAC pair for other traffic) always lands on the same queue, so its frames stay
/// in order.
/// </summary>
public static class NetifFlowHash
{
    /// <summary>Bytes of the frame <see cref="Compute"/> looks at, at most.</summary>
    public const int HeaderBytes = 64;

    /// <summary>Hashes a frame's flow from its first bytes (up to <see cref="HeaderBytes"/>).</summary>
    public static uint Compute(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            return 0;
        }

        var l3 = 14;
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (type == 0x8100 && frame.Length >= 18)
        {
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            l3 = 18;
        }

        if (type == 0x0800 && frame.Length >= l3 + 20)
        {
            var ip = frame[l3..];
            var ihl = (ip[0] & 0xF) * 4;
            var hash = Mix(BinaryPrimitives.ReadUInt32LittleEndian(ip[12..]), BinaryPrimitives.ReadUInt32LittleEndian(ip[16..]));
            return ip[9] is 6 or 17 && ihl >= 20 && ip.Length >= ihl + 4 ? Mix(hash, BinaryPrimitives.ReadUInt32LittleEndian(ip[ihl..])) : hash;
        }

        if (type == 0x86DD && frame.Length >= l3 + 40)
        {
            var ip = frame[l3..];
            var hash = 0u;
            for (var i = 8; i < 40; i += 4)
            {
                hash = Mix(hash, BinaryPrimitives.ReadUInt32LittleEndian(ip[i..]));
            }

            return ip[6] is 6 or 17 && ip.Length >= 44 ? Mix(hash, BinaryPrimitives.ReadUInt32LittleEndian(ip[40..])) : hash;
        }

        return Mix(Mix(BinaryPrimitives.ReadUInt32LittleEndian(frame), BinaryPrimitives.ReadUInt32LittleEndian(frame[4..])), BinaryPrimitives.ReadUInt32LittleEndian(frame[8..]));
    }

    /// <summary>The queue of a frame among <paramref name="queueCount"/>.</summary>
    public static int Queue(ReadOnlySpan<byte> frame, int queueCount) =>
        queueCount <= 1 ? 0 : (int)(Compute(frame) % (uint)queueCount);

    private static uint Mix(uint hash, uint value) => BitOperations.RotateLeft((hash ^ value) * 0x9E3779B1u, 13) * 0x85EBCA77u;
}
