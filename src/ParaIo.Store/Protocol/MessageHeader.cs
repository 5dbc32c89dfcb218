namespace ParaIo.Store.Protocol;

/// <summary>A decoded frame header (see <see cref="MessageLayout"/>).</summary>
internal readonly record struct MessageHeader(StoreMessageType Type, uint RequestId, uint TransactionId, uint Length);
