using System.Runtime.InteropServices;

namespace ParaIo.Benchmarks;

/// <summary>A 64-byte request, the size paraio-load moves.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
public struct Request64
{
    public ulong Sequence;
}

/// <summary>A 16-byte response.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public struct Response16
{
    public ulong Sequence;
    public ulong Status;
}
