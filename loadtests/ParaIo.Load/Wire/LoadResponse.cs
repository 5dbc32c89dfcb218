using System.Runtime.InteropServices;

namespace ParaIo.Load.Wire;

/// <summary>The small response (an acknowledgement) to a <see cref="LoadRequest"/>.</summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal struct LoadResponse
{
    public const int Size = 16;

    public ulong Sequence;

    /// <summary>The CPU the backend answered on, where the scenario reports placement; else 0.</summary>
    public int Cpu;

    public int Reserved;
}
