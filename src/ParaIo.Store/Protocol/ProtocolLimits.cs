namespace ParaIo.Store.Protocol;

/// <summary>Size limits of the wire protocol.</summary>
public static class ProtocolLimits
{
    /// <summary>Bytes in the <c>xsd_sockmsg</c> header.</summary>
    public const int HeaderSize = MessageLayout.Size;

    /// <summary>
    /// The largest payload a client may send: a 1024-byte path, a 4096-byte value and room for a
    /// permission list or token. A longer frame disconnects the client.
    /// </summary>
    public const int MaxRequestPayload = 8192;

    /// <summary>
    /// The largest payload the server sends (a directory of a node with many children may exceed
    /// a request's limit); a larger reply is answered E2BIG instead, and a client refuses more.
    /// </summary>
    public const int MaxReplyPayload = 1 << 20;

    /// <summary>The longest HELLO name or token, in bytes.</summary>
    public const int MaxHelloString = 256;

    /// <summary>The most file descriptors a HELLO may carry.</summary>
    public const int MaxHelloFds = 16;
}
