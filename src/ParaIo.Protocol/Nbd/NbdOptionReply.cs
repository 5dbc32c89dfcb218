namespace ParaIo.Protocol.Nbd;

/// <summary>
/// The reply types (<c>NBD_REP_*</c>) a server answers an option with. The errors have bit 31 set
/// (<see cref="NbdWire.OptionReplyErrorBit"/>); a client treats an error it does not know like any other error.
/// </summary>
public enum NbdOptionReply : uint
{
    /// <summary><c>NBD_REP_ACK</c>: the option is done; after NBD_OPT_GO, transmission starts.</summary>
    Ack = 1,

    /// <summary><c>NBD_REP_SERVER</c>: one export, in answer to NBD_OPT_LIST.</summary>
    Server = 2,

    /// <summary><c>NBD_REP_INFO</c>: one information item about the export (an <see cref="NbdInfoType"/> first).</summary>
    Info = 3,

    /// <summary><c>NBD_REP_META_CONTEXT</c>: one metadata context, its id and name.</summary>
    MetaContext = 4,

    /// <summary><c>NBD_REP_ERR_UNSUP</c>: the server does not know the option.</summary>
    ErrorUnsupported = 0x8000_0001,

    /// <summary><c>NBD_REP_ERR_POLICY</c>: the server's policy forbids the option.</summary>
    ErrorPolicy = 0x8000_0002,

    /// <summary><c>NBD_REP_ERR_INVALID</c>: the option or its data is malformed.</summary>
    ErrorInvalid = 0x8000_0003,

    /// <summary><c>NBD_REP_ERR_PLATFORM</c>: the option is not available on the server's platform.</summary>
    ErrorPlatform = 0x8000_0004,

    /// <summary><c>NBD_REP_ERR_TLS_REQD</c>: the server wants NBD_OPT_STARTTLS first.</summary>
    ErrorTlsRequired = 0x8000_0005,

    /// <summary><c>NBD_REP_ERR_UNKNOWN</c>: there is no export of that name.</summary>
    ErrorUnknownExport = 0x8000_0006,

    /// <summary><c>NBD_REP_ERR_SHUTDOWN</c>: the server is shutting down.</summary>
    ErrorShutdown = 0x8000_0007,

    /// <summary><c>NBD_REP_ERR_BLOCK_SIZE_REQD</c>: the server serves only clients that ask for NBD_INFO_BLOCK_SIZE.</summary>
    ErrorBlockSizeRequired = 0x8000_0008,

    /// <summary><c>NBD_REP_ERR_TOO_BIG</c>: the option or its answer would be too large.</summary>
    ErrorTooBig = 0x8000_0009,
}
