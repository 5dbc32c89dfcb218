using Microsoft.Extensions.Logging;

namespace ParaIo.Nbd.Connections;

/// <summary>Everything the export logs. The data path logs only failures; it counts the rest.</summary>
internal static partial class NbdLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "NBD export '{Export}' ({Size} bytes, block {BlockSize}) listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string export, long size, int blockSize, string endpoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "NBD client {Connection} connected on {Endpoint}")]
    public static partial void Connected(ILogger logger, long connection, string endpoint);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "NBD client refused: {Active} clients are connected, the limit")]
    public static partial void TooManyConnections(ILogger logger, long active);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "NBD client {Connection} disconnected for a protocol violation: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, long connection, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "NBD client {Connection} closed: {Reason}")]
    public static partial void Closed(ILogger logger, long connection, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "NBD client {Connection} left the handshake: {Reason}")]
    public static partial void HandshakeEnded(ILogger logger, long connection, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "NBD client {Connection} entered transmission on export '{Export}' with flags {Flags}")]
    public static partial void Transmission(ILogger logger, long connection, string export, string flags);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "NBD client {Connection}: the device failed a {Command} unexpectedly; answered EIO")]
    public static partial void DeviceFault(ILogger logger, Exception exception, long connection, string command);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "NBD client {Connection} failed")]
    public static partial void ConnectionFault(ILogger logger, Exception exception, long connection);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "NBD accept on {Endpoint} failed")]
    public static partial void AcceptFault(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "NBD export stop timed out; aborting {Count} connections")]
    public static partial void StopAborted(ILogger logger, int count);
}
