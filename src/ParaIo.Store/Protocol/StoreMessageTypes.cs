namespace ParaIo.Store.Protocol;

/// <summary>Which message types may travel in which direction.</summary>
public static class StoreMessageTypes
{
    /// <summary>A type a client may send after HELLO: every operation the server serves.</summary>
    public static bool IsRequest(StoreMessageType type) => type is
        StoreMessageType.Control or StoreMessageType.Directory or StoreMessageType.Read or
        StoreMessageType.GetPermissions or StoreMessageType.Watch or StoreMessageType.Unwatch or
        StoreMessageType.TransactionStart or StoreMessageType.TransactionEnd or StoreMessageType.Write or
        StoreMessageType.Mkdir or StoreMessageType.Remove or StoreMessageType.SetPermissions;

    /// <summary>A type the server may send after HELLO: a reply echoes its request's type, or is an error or a watch event.</summary>
    public static bool IsFromServer(StoreMessageType type) =>
        IsRequest(type) || type is StoreMessageType.WatchEvent or StoreMessageType.Error;
}
