using ParaIo.Store;
using ParaIo.Store.Client;

namespace ParaIo.Ctl.Commands;

/// <summary>
/// Reads a subtree node by node, as xenstore-ls does: not a snapshot (a transaction would bound
/// how much could be listed), so a node removed while it is read is left out rather than failing
/// the listing. Requests for siblings are pipelined.
/// </summary>
internal static class StoreSubtree
{
    public static async Task<StoreNode> ReadAsync(StoreClient store, string path, bool withPermissions, CancellationToken cancellationToken) =>
        await ReadNodeAsync(store, path, NameOf(path), withPermissions, cancellationToken).ConfigureAwait(false)
            ?? throw new StoreException(StoreError.NotFound, path);

    public static string Child(string parent, string name) => parent == "/" ? "/" + name : parent + "/" + name;

    private static async Task<StoreNode?> ReadNodeAsync(StoreClient store, string path, string name, bool withPermissions, CancellationToken cancellationToken)
    {
        var value = store.ReadAsync(path, cancellationToken);
        var names = store.DirectoryAsync(path, cancellationToken);
        var permissions = withPermissions ? store.GetPermissionsAsync(path, cancellationToken) : null;
        Task[] pending = permissions is null ? [value, names] : [value, names, permissions];
        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (StoreException exception) when (exception.Error == StoreError.NotFound)
        {
            return null;
        }

        var children = await Task.WhenAll(names.Result.Select(child =>
            ReadNodeAsync(store, Child(path, child), child, withPermissions, cancellationToken))).ConfigureAwait(false);
        return new StoreNode(name, path, value.Result, permissions?.Result, [.. children.OfType<StoreNode>()]);
    }

    private static string NameOf(string path) => path == "/" ? string.Empty : path[(path.LastIndexOf('/') + 1)..];
}
