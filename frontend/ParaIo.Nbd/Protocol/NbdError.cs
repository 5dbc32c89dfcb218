namespace ParaIo.Nbd.Protocol;

/// <summary>The error values a simple reply may carry; the protocol fixes them to common errno numbers.</summary>
internal enum NbdError : uint
{
    None = 0,
    NotPermitted = 1,
    Io = 5,
    NoMemory = 12,
    InvalidArgument = 22,
    NoSpace = 28,
    Overflow = 75,
    NotSupported = 95,
    Shutdown = 108,
}
