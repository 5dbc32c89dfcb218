using ParaIo.Store.Tree;

namespace ParaIo.Store.Client;

/// <summary>
/// An open transaction: its operations see its own writes and a snapshot of everything else, and
/// take effect all at once at <see cref="CommitAsync"/>, or not at all when something they looked
/// at changed meanwhile. Disposing an open transaction aborts it.
/// </summary>
public sealed class StoreTransaction : IStoreOperations, IAsyncDisposable
{
    private readonly StoreClient _client;
    private int _ended;

    internal StoreTransaction(StoreClient client, uint id)
    {
        _client = client;
        Id = id;
    }

    /// <summary>The transaction id the server gave (the frames' <c>tx_id</c>).</summary>
    public uint Id { get; }

    /// <summary>True once committed or aborted.</summary>
    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <inheritdoc/>
    public Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        _client.ReadCoreAsync(OpenId(), path, cancellationToken);

    /// <inheritdoc/>
    public Task<string> ReadStringAsync(string path, CancellationToken cancellationToken = default) =>
        _client.ReadStringCoreAsync(OpenId(), path, cancellationToken);

    /// <inheritdoc/>
    public Task<string?> TryReadStringAsync(string path, CancellationToken cancellationToken = default) =>
        _client.TryReadStringCoreAsync(OpenId(), path, cancellationToken);

    /// <inheritdoc/>
    public Task WriteAsync(string path, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        _client.WriteCoreAsync(OpenId(), path, value, cancellationToken);

    /// <inheritdoc/>
    public Task WriteAsync(string path, string value, CancellationToken cancellationToken = default) =>
        _client.WriteCoreAsync(OpenId(), path, System.Text.Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <inheritdoc/>
    public Task MkdirAsync(string path, CancellationToken cancellationToken = default) =>
        _client.MkdirCoreAsync(OpenId(), path, cancellationToken);

    /// <inheritdoc/>
    public Task RemoveAsync(string path, CancellationToken cancellationToken = default) =>
        _client.RemoveCoreAsync(OpenId(), path, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> DirectoryAsync(string path, CancellationToken cancellationToken = default) =>
        _client.DirectoryCoreAsync(OpenId(), path, cancellationToken);

    /// <inheritdoc/>
    public Task<NodePermissions> GetPermissionsAsync(string path, CancellationToken cancellationToken = default) =>
        _client.GetPermissionsCoreAsync(OpenId(), path, cancellationToken);

    /// <inheritdoc/>
    public Task SetPermissionsAsync(string path, NodePermissions permissions, CancellationToken cancellationToken = default) =>
        _client.SetPermissionsCoreAsync(OpenId(), path, permissions, cancellationToken);

    /// <summary>
    /// Commits. True when every write took effect; false when the store answered EAGAIN because
    /// something the transaction read or wrote changed since it began (nothing took effect: start a
    /// new transaction). Other refusals (EQUOTA) throw.
    /// </summary>
    public async Task<bool> CommitAsync(CancellationToken cancellationToken = default)
    {
        End();
        try
        {
            await _client.EndTransactionAsync(Id, commit: true, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StoreException exception) when (exception.Error == StoreError.Conflict)
        {
            return false;
        }
    }

    /// <summary>Discards every write of the transaction.</summary>
    public Task AbortAsync(CancellationToken cancellationToken = default)
    {
        End();
        return _client.EndTransactionAsync(Id, commit: false, cancellationToken);
    }

    /// <summary>Aborts the transaction if it is still open; a lost connection has aborted it already.</summary>
    public async ValueTask DisposeAsync()
    {
        if (IsEnded)
        {
            return;
        }

        try
        {
            await AbortAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is StoreConnectionLostException or StoreException or TimeoutException)
        {
        }
    }

    private uint OpenId()
    {
        if (IsEnded)
        {
            throw new InvalidOperationException($"Transaction {Id} has ended.");
        }

        return Id;
    }

    private void End()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            throw new InvalidOperationException($"Transaction {Id} has ended.");
        }
    }
}
