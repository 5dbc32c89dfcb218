using System.Runtime.CompilerServices;

namespace ParaIo.Protocol.Block;

/// <summary>The 11 segments carried inside a <see cref="BlkifRequest"/> (C: <c>seg[BLKIF_MAX_SEGMENTS_PER_REQUEST]</c>).</summary>
[InlineArray(BlkifProtocol.MaxSegmentsPerRequest)]
public struct BlkifSegmentArray
{
    private BlkifSegment _element0;
}
