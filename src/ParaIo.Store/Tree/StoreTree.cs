using System.Text;
using ParaIo.Store.Watches;

namespace ParaIo.Store.Tree;

/// <summary>
/// The store itself: a XenStore-like tree of nodes with values, per-node permissions, watches and
/// optimistic transactions. Every operation names the domain it acts for; domain 0 may do
/// anything. Thread-safe: reads see the latest committed version without locking, changes are
/// serialized and fire watches before the next change starts.
/// </summary>
/// <remarks>
/// The host (<c>paraiod</c>) uses the throwing methods directly, as domain 0, to lay out guests'
/// subtrees and push changes; a <see cref="Server.StoreServer"/> serves the same tree to clients.
/// </remarks>
public sealed class StoreTree
{
    private readonly Lock _gate = new();
    private readonly GenerationCounter _generations = new();
    private readonly WatchRegistry _watches = new();
    private TreeState _state = TreeState.Empty;
    private int _nextTransactionId;

    /// <summary>Creates a tree holding only the root, owned by domain 0 and closed to everyone else.</summary>
    public StoreTree(StoreLimits? limits = null)
    {
        Limits = limits ?? StoreLimits.Default;
    }

    /// <summary>The limits every operation is checked against.</summary>
    public StoreLimits Limits { get; }

    /// <summary>How many nodes the tree holds, the root included.</summary>
    public int NodeCount
    {
        get
        {
            var count = 0;
            foreach (var (_, owned) in Volatile.Read(ref _state).Owned)
            {
                count += owned;
            }

            return count;
        }
    }

    /// <summary>How many watches are registered, over all connections.</summary>
    public int WatchCount
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>How many nodes <paramref name="domain"/> owns (what its quota counts).</summary>
    public int OwnedNodeCount(ushort domain) => Volatile.Read(ref _state).OwnedBy(domain);

    /// <summary>Reads a node's value as <paramref name="domain"/>.</summary>
    /// <exception cref="StoreException">ENOENT, EACCES, EINVAL.</exception>
    public byte[] Read(ushort domain, string path)
    {
        ThrowIfFailed(TryRead(domain, path, null, out var value), path);

        // A copy: the tree's arrays are shared by every version and snapshot.
        return [.. value];
    }

    /// <summary>Reads a node's value as UTF-8 text.</summary>
    public string ReadString(ushort domain, string path) => Encoding.UTF8.GetString(Read(domain, path));

    /// <summary>Writes a value, creating the node and any missing parents.</summary>
    /// <exception cref="StoreException">EACCES, EQUOTA, E2BIG, EINVAL.</exception>
    public void Write(ushort domain, string path, ReadOnlySpan<byte> value)
    {
        var copy = value.ToArray();
        ThrowIfFailed(TryChange(domain, null, e => e.Write(domain, path, copy)), path);
    }

    /// <summary>Writes UTF-8 text.</summary>
    public void Write(ushort domain, string path, string value) => Write(domain, path, Encoding.UTF8.GetBytes(value));

    /// <summary>Creates a node with an empty value (and missing parents); an existing node is left as it is.</summary>
    public void Mkdir(ushort domain, string path) =>
        ThrowIfFailed(TryChange(domain, null, e => e.Mkdir(domain, path)), path);

    /// <summary>Removes a node and everything below it; a missing node under an existing parent is not an error.</summary>
    public void Remove(ushort domain, string path) =>
        ThrowIfFailed(TryChange(domain, null, e => e.Remove(domain, path)), path);

    /// <summary>Lists a node's children, sorted by ordinal.</summary>
    public IReadOnlyList<string> Directory(ushort domain, string path)
    {
        ThrowIfFailed(TryDirectory(domain, path, null, out var names), path);
        return names;
    }

    /// <summary>Reads a node's permission list.</summary>
    public NodePermissions GetPermissions(ushort domain, string path)
    {
        ThrowIfFailed(TryGetPermissions(domain, path, null, out var permissions), path);
        return permissions;
    }

    /// <summary>Replaces a node's permission list; only its owner or domain 0 may, and only domain 0 may change the owner.</summary>
    public void SetPermissions(ushort domain, string path, NodePermissions permissions)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        ThrowIfFailed(TryChange(domain, null, e => e.SetPermissions(domain, path, permissions)), path);
    }

    /// <summary>True when the node exists (as domain 0 sees it).</summary>
    public bool Exists(string path) => StorePath.IsValid(path) && Volatile.Read(ref _state).Find(path) is not null;

    /// <summary>Fires the watches on a special name such as <c>@releaseDomain</c> or <c>@introduceDomain</c>.</summary>
    public void FireSpecialWatch(string name)
    {
        if (!StorePath.IsSpecial(name))
        {
            throw new ArgumentException($"'{name}' is not a special watch name (one '@'-led component).", nameof(name));
        }

        lock (_gate)
        {
            _watches.FireSpecial(name);
        }
    }

    /// <summary>The node's generation (<see cref="TreeState.Absent"/> when missing): for tests and diagnostics.</summary>
    internal long GenerationOf(string path) => Volatile.Read(ref _state).GenerationOf(path);

    /// <summary>Reads a value; the array is the tree's own and must not be written.</summary>
    internal StoreError TryRead(ushort domain, string path, TreeTransaction? transaction, out byte[] value)
    {
        value = [];
        return transaction?.IsOverAccessLimit == true ? StoreError.QuotaExceeded : Reader(transaction).Read(domain, path, out value);
    }

    internal StoreError TryDirectory(ushort domain, string path, TreeTransaction? transaction, out string[] names)
    {
        names = [];
        return transaction?.IsOverAccessLimit == true ? StoreError.QuotaExceeded : Reader(transaction).Directory(domain, path, out names);
    }

    internal StoreError TryGetPermissions(ushort domain, string path, TreeTransaction? transaction, out NodePermissions permissions)
    {
        permissions = NodePermissions.Dom0Only;
        return transaction?.IsOverAccessLimit == true ? StoreError.QuotaExceeded : Reader(transaction).GetPermissions(domain, path, out permissions);
    }

    /// <summary>
    /// Runs a changing operation: inside <paramref name="transaction"/> on its private view (logged
    /// for the commit, no watch fires), otherwise on the committed tree, firing watches.
    /// </summary>
    internal StoreError TryChange(ushort domain, TreeTransaction? transaction, Func<TreeEditor, StoreError> operation)
    {
        if (transaction is not null)
        {
            return transaction.Apply(operation);
        }

        lock (_gate)
        {
            var editor = new TreeEditor(_state, Limits, _generations, collectChanges: true);
            var error = operation(editor);
            if (error == StoreError.None)
            {
                Publish(editor);
            }

            return error;
        }
    }

    internal TreeTransaction BeginTransaction(ushort domain)
    {
        var id = (uint)Interlocked.Increment(ref _nextTransactionId);
        if (id == 0)
        {
            // Zero means "no transaction" on the wire; skip it when the counter wraps.
            id = (uint)Interlocked.Increment(ref _nextTransactionId);
        }

        return new TreeTransaction(id, domain, Volatile.Read(ref _state), Limits, _generations);
    }

    /// <summary>
    /// Commits: EAGAIN (<see cref="StoreError.Conflict"/>) when any node the transaction looked at
    /// changed since it began, else replays its operations on the committed tree, all or nothing,
    /// and fires the watches.
    /// </summary>
    internal StoreError Commit(TreeTransaction transaction)
    {
        transaction.Ended = true;
        lock (_gate)
        {
            var current = _state;
            if (!ReferenceEquals(current, transaction.Snapshot))
            {
                foreach (var (path, generation) in transaction.Accessed)
                {
                    if (current.GenerationOf(path) != generation)
                    {
                        return StoreError.Conflict;
                    }
                }
            }

            if (transaction.Log.Count == 0)
            {
                return StoreError.None;
            }

            var editor = new TreeEditor(current, Limits, _generations, collectChanges: true);
            foreach (var operation in transaction.Log)
            {
                // Only a quota can refuse here: every node the operations depend on is as it was.
                var error = operation(editor);
                if (error != StoreError.None)
                {
                    return error;
                }
            }

            Publish(editor);
            return StoreError.None;
        }
    }

    /// <summary>Registers a watch and fires it once, as Xen does, so the watcher reads the initial state.</summary>
    internal void AddWatch(IWatchSink sink, string path, string token)
    {
        lock (_gate)
        {
            _watches.Add(sink, path, token);
            sink.Deliver(path, token);
        }
    }

    internal bool RemoveWatch(IWatchSink sink, string path, string token)
    {
        lock (_gate)
        {
            return _watches.Remove(sink, path, token);
        }
    }

    internal void RemoveWatches(IWatchSink sink)
    {
        lock (_gate)
        {
            _watches.RemoveAll(sink);
        }
    }

    private TreeEditor Reader(TreeTransaction? transaction) =>
        transaction?.Editor ?? new TreeEditor(Volatile.Read(ref _state), Limits, _generations, collectChanges: false);

    private void Publish(TreeEditor editor)
    {
        // Release: a lock-free reader that sees the new root sees the nodes built before it.
        Volatile.Write(ref _state, editor.State);
        foreach (var change in editor.Changes!)
        {
            _watches.Fire(change);
        }
    }

    private static void ThrowIfFailed(StoreError error, string path)
    {
        if (error != StoreError.None)
        {
            throw new StoreException(error, path);
        }
    }
}
