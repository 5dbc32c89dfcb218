namespace ParaIo.Nbd.Tests;

/// <summary>
/// NBD numbers as the tests' own client speaks them, written out again from the protocol
/// document rather than borrowed from the server, so a wrong constant there cannot pass here.
/// </summary>
internal static class Wire
{
    public const ulong NbdMagic = 0x4E42444D41474943;
    public const ulong IHaveOpt = 0x49484156454F5054;
    public const ulong OptionReplyMagic = 0x3E889045565A9;
    public const uint RequestMagic = 0x25609513;
    public const uint SimpleReplyMagic = 0x67446698;

    public const ushort FixedNewstyle = 1;
    public const ushort NoZeroes = 2;

    public const uint OptExportName = 1;
    public const uint OptAbort = 2;
    public const uint OptList = 3;
    public const uint OptStartTls = 5;
    public const uint OptInfo = 6;
    public const uint OptGo = 7;
    public const uint OptStructuredReply = 8;

    public const uint RepAck = 1;
    public const uint RepServer = 2;
    public const uint RepInfo = 3;
    public const uint RepErrUnsup = 0x80000001;
    public const uint RepErrInvalid = 0x80000003;
    public const uint RepErrUnknown = 0x80000006;

    public const ushort InfoExport = 0;
    public const ushort InfoName = 1;
    public const ushort InfoDescription = 2;
    public const ushort InfoBlockSize = 3;

    public const ushort FlagHasFlags = 1 << 0;
    public const ushort FlagReadOnly = 1 << 1;
    public const ushort FlagSendFlush = 1 << 2;
    public const ushort FlagSendFua = 1 << 3;
    public const ushort FlagSendTrim = 1 << 5;
    public const ushort FlagSendWriteZeroes = 1 << 6;
    public const ushort FlagCanMultiConn = 1 << 8;

    public const ushort CmdRead = 0;
    public const ushort CmdWrite = 1;
    public const ushort CmdDisc = 2;
    public const ushort CmdFlush = 3;
    public const ushort CmdTrim = 4;
    public const ushort CmdCache = 5;
    public const ushort CmdWriteZeroes = 6;
    public const ushort CmdBlockStatus = 7;

    public const ushort CmdFlagFua = 1 << 0;
    public const ushort CmdFlagNoHole = 1 << 1;
    public const ushort CmdFlagDf = 1 << 2;
    public const ushort CmdFlagFastZero = 1 << 4;

    public const uint EPERM = 1;
    public const uint EIO = 5;
    public const uint EINVAL = 22;
    public const uint ENOSPC = 28;
}
