namespace ParaIo.Protocol.Nbd;

/// <summary>The options (<c>NBD_OPT_*</c>) a client sends in the fixed-newstyle handshake.</summary>
public enum NbdOption : uint
{
    /// <summary><c>NBD_OPT_EXPORT_NAME</c>: choose an export and enter transmission; it has no error reply, so an unknown name closes the connection.</summary>
    ExportName = 1,

    /// <summary><c>NBD_OPT_ABORT</c>: end the handshake; the server acknowledges and closes.</summary>
    Abort = 2,

    /// <summary><c>NBD_OPT_LIST</c>: list the exports, one NBD_REP_SERVER each, then NBD_REP_ACK.</summary>
    List = 3,

    /// <summary><c>NBD_OPT_PEEK_EXPORT</c>: withdrawn from the protocol; a server answers it as unknown.</summary>
    PeekExport = 4,

    /// <summary><c>NBD_OPT_STARTTLS</c>: upgrade the connection to TLS before any other option.</summary>
    StartTls = 5,

    /// <summary><c>NBD_OPT_INFO</c>: ask about an export without choosing it; answered as <see cref="Go"/> is.</summary>
    Info = 6,

    /// <summary><c>NBD_OPT_GO</c>: choose an export, receive NBD_REP_INFO items about it, and enter transmission after NBD_REP_ACK.</summary>
    Go = 7,

    /// <summary><c>NBD_OPT_STRUCTURED_REPLY</c>: ask for structured replies in transmission.</summary>
    StructuredReply = 8,

    /// <summary><c>NBD_OPT_LIST_META_CONTEXT</c>: list the metadata contexts an export offers.</summary>
    ListMetaContext = 9,

    /// <summary><c>NBD_OPT_SET_META_CONTEXT</c>: choose the metadata contexts NBD_CMD_BLOCK_STATUS reports.</summary>
    SetMetaContext = 10,

    /// <summary><c>NBD_OPT_EXTENDED_HEADERS</c>: ask for requests and replies with 64-bit lengths.</summary>
    ExtendedHeaders = 11,
}
