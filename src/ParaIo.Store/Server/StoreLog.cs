using Microsoft.Extensions.Logging;

namespace ParaIo.Store.Server;

/// <summary>The server's log messages, generated so that a disabled level costs nothing.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Store listening on {SocketPath}")]
    public static partial void Listening(ILogger logger, string socketPath);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Connection {ConnectionId} ('{Name}', pid {Pid}, uid {Uid}) authenticated as domain {Domain}")]
    public static partial void Authenticated(ILogger logger, long connectionId, string name, int pid, uint uid, ushort domain);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Connection {ConnectionId} ('{Name}', pid {Pid}, uid {Uid}) refused: {Reason}")]
    public static partial void Refused(ILogger logger, long connectionId, string name, int pid, uint uid, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Connection {ConnectionId} (domain {Domain}) disconnected: {Reason}")]
    public static partial void Dropped(ILogger logger, long connectionId, int domain, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Connection {ConnectionId} (domain {Domain}) closed: {Reason}")]
    public static partial void Closed(ILogger logger, long connectionId, int domain, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Refusing a connection: {Count} are open, the limit")]
    public static partial void TooManyConnections(ILogger logger, int count);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Accepting a connection failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "A connection callback of the host threw")]
    public static partial void CallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Connection {ConnectionId} (domain {Domain}): the control handler failed on '{Command}'")]
    public static partial void ControlFailed(ILogger logger, long connectionId, int domain, string command, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Store on {SocketPath} stopped")]
    public static partial void Stopped(ILogger logger, string socketPath);
}
