namespace ParaIo.Store.Protocol;

/// <summary>The peer sent something the protocol does not allow; the connection is closed.</summary>
internal sealed class ProtocolViolationException : Exception
{
    public ProtocolViolationException(string message)
        : base(message)
    {
    }
}
