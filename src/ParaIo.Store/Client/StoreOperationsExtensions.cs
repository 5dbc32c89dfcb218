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

    /// <summary>
    /// As <see cref="ReadChildValuesAsync"/>, and the values of subdirectories down to
    /// <paramref name="depth"/> levels, named by relative path (<c>queue-0/ring-ref</c>): a
    /// multi-queue device's frontend publishes each queue's keys in its own subdirectory.
    /// </summary>
    public static async Task<Dictionary<string, string>> ReadTreeValuesAsync(this IStoreOperations store, string path, int depth, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        await ReadInto(store, path, "", depth, values, cancellationToken).ConfigureAwait(false);
        return values;
    }

    private static async Task ReadInto(IStoreOperations store, string path, string prefix, int depth, Dictionary<string, string> values, CancellationToken cancellationToken)
    {
        foreach (var key in await store.DirectoryAsync(path, cancellationToken).ConfigureAwait(false))
        {
            var child = path + "/" + key;
            if (await store.TryReadStringAsync(child, cancellationToken).ConfigureAwait(false) is not { } value)
            {
                continue; // removed between the listing and the read
            }

            // A directory node (no value of its own, children below) contributes its children only.
            if (value.Length == 0 && depth > 1 && (await store.DirectoryAsync(child, cancellationToken).ConfigureAwait(false)).Count > 0)
            {
                await ReadInto(store, child, prefix + key + "/", depth - 1, values, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                values[prefix + key] = value;
            }
        }
    }
}
