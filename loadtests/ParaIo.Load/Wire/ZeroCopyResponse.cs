using System.Runtime.InteropServices;

namespace ParaIo.Load.Wire;

/// <summary>The answer to a zero-copy request: the XOR-fold of every byte the backend read.</summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal struct ZeroCopyResponse
{
    public const int Size = 16;

    public ulong Sequence;
    public ulong Fold;
}
