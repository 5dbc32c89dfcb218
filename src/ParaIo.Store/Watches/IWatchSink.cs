namespace ParaIo.Store.Watches;

/// <summary>
/// Where a watch's events go (a server connection). <see cref="Deliver"/> is called with the
/// store's lock held, so it must only queue the event, never block or call back into the store.
/// </summary>
internal interface IWatchSink
{
    /// <summary>The domain whose read permission gates the events.</summary>
    ushort Domain { get; }

    void Deliver(string path, string token);
}
