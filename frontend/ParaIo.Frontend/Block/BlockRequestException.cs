using ParaIo.Protocol.Block;

namespace ParaIo.Frontend.Block;

/// <summary>The backend answered a block request with an error status.</summary>
public sealed class BlockRequestException : IOException
{
    /// <summary>Creates the exception.</summary>
    public BlockRequestException(BlkifStatus status, string message)
        : base(message)
    {
        Status = status;
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public BlockRequestException(BlkifStatus status, string message, Exception inner)
        : base(message, inner)
    {
        Status = status;
    }

    /// <summary>What the backend answered: <see cref="BlkifStatus.Error"/> or <see cref="BlkifStatus.NotSupported"/>.</summary>
    public BlkifStatus Status { get; }
}
