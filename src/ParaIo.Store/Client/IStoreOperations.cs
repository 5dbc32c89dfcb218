using ParaIo.Store.Tree;

namespace ParaIo.Store.Client;

/// <summary>
/// The node operations, offered alike by a <see cref="StoreClient"/> (outside any transaction) and
/// by a <see cref="StoreTransaction"/> (inside it). Refusals throw <see cref="StoreException"/>;
/// a lost connection throws <see cref="StoreConnectionLostException"/>; a request left unanswered
/// past the client's request timeout throws <see cref="TimeoutException"/>.
/// </summary>
public interface IStoreOperations
{
    /// <summary>Reads a node's value.</summary>
    Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Reads a node's value as UTF-8 text.</summary>
    Task<string> ReadStringAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Reads a node's value as UTF-8 text, or null when the node does not exist (ENOENT).</summary>
    Task<string?> TryReadStringAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Writes a value, creating the node and any missing parents.</summary>
    Task WriteAsync(string path, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>Writes UTF-8 text.</summary>
    Task WriteAsync(string path, string value, CancellationToken cancellationToken = default);

    /// <summary>Creates a node with an empty value (and missing parents); an existing node is left as it is.</summary>
    Task MkdirAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Removes a node and everything below it.</summary>
    Task RemoveAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Lists a node's children.</summary>
    Task<IReadOnlyList<string>> DirectoryAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Reads a node's permission list.</summary>
    Task<NodePermissions> GetPermissionsAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Replaces a node's permission list (its owner or domain 0 only).</summary>
    Task SetPermissionsAsync(string path, NodePermissions permissions, CancellationToken cancellationToken = default);
}
