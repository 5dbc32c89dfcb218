using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Loop;

/// <summary>The loopback device's answer to one <see cref="LoopRequest"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LoopResponse
{
    /// <summary>The request's id.</summary>
    public ulong Id;

    /// <summary><see cref="LoopProtocol.Answer"/> of the request's value.</summary>
    public ulong Result;
}
