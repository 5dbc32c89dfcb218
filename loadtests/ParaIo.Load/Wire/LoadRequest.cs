using System.Runtime.InteropServices;

namespace ParaIo.Load.Wire;

/// <summary>
/// The 64-byte request every small-message scenario moves, byte for byte the same on the ring, on
/// the socket and in the bare shared-memory slots. The body beyond the header is a fixed pattern
/// the producer never regenerates.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal struct LoadRequest
{
    public const int Size = 64;

    /// <summary>Set on the last request of a run: the peer answers it and returns to its control loop.</summary>
    public const uint StopFlag = 1;

    public ulong Sequence;
    public uint Flags;

    /// <summary>Set by a peer that echoes the request back: the CPU it answered on.</summary>
    public int Cpu;

    public ulong Body0;
    public ulong Body1;
    public ulong Body2;
    public ulong Body3;
    public ulong Body4;
    public ulong Body5;

    /// <summary>A request with its body filled in, for the producer to copy from.</summary>
    public static LoadRequest Template() => new()
    {
        Body0 = 0x0123_4567_89AB_CDEF,
        Body1 = 0xFEDC_BA98_7654_3210,
        Body2 = 0x0F1E_2D3C_4B5A_6978,
        Body3 = 0x8796_A5B4_C3D2_E1F0,
        Body4 = 0x5555_AAAA_5555_AAAA,
        Body5 = 0xAAAA_5555_AAAA_5555,
    };

    public readonly bool IsStop => (Flags & StopFlag) != 0;
}
