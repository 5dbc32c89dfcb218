using System.Runtime.InteropServices;

namespace ParaIo.Protocol.Loop;

/// <summary>
/// A request of the loopback test device (<c>loop</c>): the backend answers each with
/// <see cref="LoopProtocol.Answer"/> of its value. It exercises the handshake and the ring
/// without any real I/O.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct LoopRequest
{
    /// <summary>Chosen by the frontend, echoed in the response.</summary>
    public ulong Id;

    /// <summary>The value to transform.</summary>
    public ulong Value;
}
