using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ParaIo.Load.Wire;

/// <summary>
/// A zero-copy request: 64 KiB of guest memory named by one grant reference per 4 KiB page, the
/// way a blkif request names its segments. Only the references cross the ring, never the bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ZeroCopyRequest
{
    /// <summary>Pages a request names at most (64 KiB).</summary>
    public const int MaxPages = 16;

    public ulong Sequence;
    public uint PageCount;
    public uint Flags;
    public GrantRefs Grants;

    public readonly bool IsStop => (Flags & LoadRequest.StopFlag) != 0;

    /// <summary>The grant references of the payload's pages, inline in the request.</summary>
    [InlineArray(MaxPages)]
    public struct GrantRefs
    {
        private uint _element0;
    }
}
