namespace ParaIo.Store.Client;

/// <summary>Reads built from the basic node operations.</summary>
public static class StoreOperationsExtensions
{
    /// <summary>
    /// The values of a directory's children, by name, read one by one into private memory; a child
    /// removed between the listing and its read is left out.
    /// </summary>
    public static async Task<Dictionary<string, string>> ReadChildValuesAsync(this IStoreOperations store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in await store.DirectoryAsync(path, cancellationToken).ConfigureAwait(false))
        {
            if (await store.TryReadStringAsync(path + "/" + key, cancellationToken).ConfigureAwait(false) is { } value)
            {
                values[key] = value;
            }
        }

        return values;
    }
}
