namespace ParaIo.Store.Watches;

/// <summary>A watch fired: <paramref name="Path"/> changed (never its value), for the watch registered with <paramref name="Token"/>.</summary>
/// <param name="Path">The changed path, or the watched path itself for the event on registration and for watches below a removed node.</param>
/// <param name="Token">The token the watch was registered with.</param>
public readonly record struct WatchEvent(string Path, string Token);
