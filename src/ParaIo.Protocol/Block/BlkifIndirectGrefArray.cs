using System.Runtime.CompilerServices;

namespace ParaIo.Protocol.Block;

/// <summary>The grants of an indirect request's segment pages (C: <c>indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST]</c>).</summary>
[InlineArray(BlkifProtocol.MaxIndirectPagesPerRequest)]
public struct BlkifIndirectGrefArray
{
    private uint _element0;
}
