namespace ParaIo.Store.Tree;

/// <summary>
/// Applies operations to one version of the tree, producing the next. Used for a single operation
/// on the committed tree, for a transaction's private view, and to replay a transaction at commit.
/// In a transaction it records the generation that every node the operations looked at had in the
/// snapshot, which is what the commit checks.
/// </summary>
/// <remarks>
/// Permission rules are Xen's: each node's own list decides (no walk up the ancestors), a missing
/// node answers ENOENT only to a domain that may read its nearest existing ancestor and EACCES to
/// others (xenstored's errno_from_parents), created nodes inherit the parent's list with the
/// creating domain as owner unless it is domain 0.
/// </remarks>
internal sealed class TreeEditor
{
    private readonly StoreLimits _limits;
    private readonly GenerationCounter _generations;
    private readonly TreeState? _snapshot;
    private readonly Dictionary<string, long>? _accessed;
    private readonly List<TreeChange>? _changes;

    /// <summary>An editor for plain operations (no access log) that collects changes when asked.</summary>
    public TreeEditor(TreeState state, StoreLimits limits, GenerationCounter generations, bool collectChanges)
    {
        State = state;
        _limits = limits;
        _generations = generations;
        _changes = collectChanges ? [] : null;
    }

    /// <summary>A transaction's editor: starts at <paramref name="snapshot"/> and logs accesses against it.</summary>
    public TreeEditor(TreeState snapshot, StoreLimits limits, GenerationCounter generations, Dictionary<string, long> accessed)
        : this(snapshot, limits, generations, collectChanges: false)
    {
        _snapshot = snapshot;
        _accessed = accessed;
    }

    public TreeState State { get; private set; }

    public List<TreeChange>? Changes => _changes;

    public StoreError Read(ushort domain, string path, out byte[] value)
    {
        var error = LocateReadable(domain, path, out var node);
        value = error == StoreError.None ? node!.Value : [];
        return error;
    }

    public StoreError Directory(ushort domain, string path, out string[] names)
    {
        names = [];
        var error = LocateReadable(domain, path, out var node);
        if (error != StoreError.None)
        {
            return error;
        }

        names = [.. node!.Children.Keys];
        Array.Sort(names, StringComparer.Ordinal);
        return StoreError.None;
    }

    public StoreError GetPermissions(ushort domain, string path, out NodePermissions permissions)
    {
        var error = LocateReadable(domain, path, out var node);
        permissions = error == StoreError.None ? node!.Permissions : NodePermissions.Dom0Only;
        return error;
    }

    /// <summary>The node at <paramref name="path"/>, if it exists and <paramref name="domain"/> may read it: the one read rule of every read operation.</summary>
    private StoreError LocateReadable(ushort domain, string path, out Node? node)
    {
        node = null;
        var error = Locate(domain, path, out _, out var chain);
        if (error != StoreError.None)
        {
            return error;
        }

        if ((chain[^1].Permissions.AccessFor(domain) & StoreAccess.Read) == 0)
        {
            return StoreError.PermissionDenied;
        }

        node = chain[^1];
        return StoreError.None;
    }

    /// <summary>Writes a value, creating the node and any missing parents.</summary>
    public StoreError Write(ushort domain, string path, byte[] value) => Put(domain, path, value, onlyCreate: false);

    /// <summary>Creates the node (and missing parents) with an empty value; an existing node is left alone.</summary>
    public StoreError Mkdir(ushort domain, string path) => Put(domain, path, [], onlyCreate: true);

    /// <summary>Removes a node and everything below it. A missing node whose parent exists is not an error (Xen).</summary>
    public StoreError Remove(ushort domain, string path)
    {
        var error = CheckPath(path, out var components);
        if (error != StoreError.None)
        {
            return error;
        }

        if (components.Length == 0)
        {
            return StoreError.InvalidArgument;
        }

        var chain = Walk(components);
        if (chain.Count <= components.Length)
        {
            RecordMissing(components, chain.Count - 1);
            error = ErrorForMissing(domain, chain);
            return error == StoreError.NotFound && chain.Count == components.Length ? StoreError.None : error;
        }

        var node = chain[^1];
        var parent = chain[^2];
        Record(path);
        if ((node.Permissions.AccessFor(domain) & StoreAccess.Write) == 0)
        {
            return StoreError.PermissionDenied;
        }

        // The parent's children change; every node below vanishes, so a concurrent change anywhere
        // in the subtree must conflict with this transaction.
        Record(StorePath.Parent(path));
        var owned = State.Owned;
        foreach (var (subPath, subNode) in node.Subtree(path))
        {
            Record(subPath);
            var owner = subNode.Permissions.Owner;
            owned = owned.SetItem(owner, owned.GetValueOrDefault(owner) - 1);
        }

        var newParent = parent.WithoutChild(node.Name, _generations.Next());
        State = new TreeState(Rebuild(chain, chain.Count - 2, newParent), owned);
        _changes?.Add(new TreeChange(TreeChangeKind.Removed, path, node.Permissions, null, node));
        return StoreError.None;
    }

    public StoreError SetPermissions(ushort domain, string path, NodePermissions permissions)
    {
        if (permissions.Entries.Count > _limits.MaxPermissionEntries)
        {
            return StoreError.TooBig;
        }

        var error = Locate(domain, path, out _, out var chain);
        if (error != StoreError.None)
        {
            return error;
        }

        var node = chain[^1];
        var before = node.Permissions;
        if (domain != 0 && before.Owner != domain)
        {
            return StoreError.PermissionDenied;
        }

        // Only domain 0 may give a node away, so only domain 0 moves nodes between quotas (and
        // domain 0 is trusted not to exhaust one).
        if (domain != 0 && permissions.Owner != before.Owner)
        {
            return StoreError.PermissionDenied;
        }

        var owned = State.Owned;
        if (permissions.Owner != before.Owner)
        {
            owned = owned.SetItem(before.Owner, owned.GetValueOrDefault(before.Owner) - 1)
                .SetItem(permissions.Owner, owned.GetValueOrDefault(permissions.Owner) + 1);
        }

        var updated = node.WithPermissions(permissions, _generations.Next());
        State = new TreeState(Rebuild(chain, chain.Count - 1, updated), owned);
        _changes?.Add(new TreeChange(TreeChangeKind.PermissionsChanged, path, before, permissions, null));
        return StoreError.None;
    }

    private StoreError Put(ushort domain, string path, byte[] value, bool onlyCreate)
    {
        var error = CheckPath(path, out var components);
        if (error != StoreError.None)
        {
            return error;
        }

        if (value.Length > _limits.MaxValueLength)
        {
            return StoreError.TooBig;
        }

        var chain = Walk(components);
        if (chain.Count > components.Length)
        {
            Record(path);
            var node = chain[^1];
            if ((node.Permissions.AccessFor(domain) & StoreAccess.Write) == 0)
            {
                return StoreError.PermissionDenied;
            }

            if (onlyCreate)
            {
                return StoreError.None;
            }

            State = new TreeState(Rebuild(chain, chain.Count - 1, node.WithValue(value, _generations.Next())), State.Owned);
            _changes?.Add(new TreeChange(TreeChangeKind.Written, path, node.Permissions, node.Permissions, null));
            return StoreError.None;
        }

        var existingDepth = chain.Count - 1;
        RecordMissing(components, existingDepth);
        var ancestor = chain[^1];
        if ((ancestor.Permissions.AccessFor(domain) & StoreAccess.Write) == 0)
        {
            return StoreError.PermissionDenied;
        }

        var permissions = domain == 0 ? ancestor.Permissions : ancestor.Permissions.WithOwner(domain);
        var created = components.Length - existingDepth;
        var owner = permissions.Owner;
        if (domain != 0 && State.OwnedBy(owner) + created > _limits.MaxNodesPerDomain)
        {
            return StoreError.QuotaExceeded;
        }

        var generation = _generations.Next();
        var subtree = new Node(components[^1], value, permissions, generation, Node.NoChildren);
        for (var i = components.Length - 2; i >= existingDepth; i--)
        {
            subtree = new Node(components[i], [], permissions, generation, Node.NoChildren.Add(subtree.Name, subtree));
        }

        var newAncestor = ancestor.WithChild(subtree, generation);
        var owned = State.Owned.SetItem(owner, State.OwnedBy(owner) + created);
        State = new TreeState(Rebuild(chain, existingDepth, newAncestor), owned);
        _changes?.Add(new TreeChange(TreeChangeKind.Written, path, null, permissions, null));
        return StoreError.None;
    }

    /// <summary>Finds an existing node (the chain ends with it) or answers ENOENT/EACCES for a missing one.</summary>
    private StoreError Locate(ushort domain, string path, out string[] components, out List<Node> chain)
    {
        chain = [];
        var error = CheckPath(path, out components);
        if (error != StoreError.None)
        {
            return error;
        }

        chain = Walk(components);
        if (chain.Count <= components.Length)
        {
            RecordMissing(components, chain.Count - 1);
            return ErrorForMissing(domain, chain);
        }

        Record(path);
        return StoreError.None;
    }

    private StoreError CheckPath(string path, out string[] components)
    {
        components = [];
        var error = StorePath.Check(path, _limits.MaxPathLength);
        if (error == StoreError.None)
        {
            components = StorePath.Split(path);
        }

        return error;
    }

    /// <summary>The root and each existing node along the path: index i holds depth i.</summary>
    private List<Node> Walk(string[] components)
    {
        var chain = new List<Node>(components.Length + 1) { State.Root };
        var node = State.Root;
        foreach (var name in components)
        {
            if (!node.Children.TryGetValue(name, out var child))
            {
                break;
            }

            chain.Add(child);
            node = child;
        }

        return chain;
    }

    /// <summary>
    /// A domain that may not read the nearest existing ancestor must not learn whether a node
    /// exists below it.
    /// </summary>
    private static StoreError ErrorForMissing(ushort domain, List<Node> chain) =>
        (chain[^1].Permissions.AccessFor(domain) & StoreAccess.Read) != 0 ? StoreError.NotFound : StoreError.PermissionDenied;

    /// <summary>Puts <paramref name="replacement"/> at <paramref name="depth"/> and copies the path above it.</summary>
    private static Node Rebuild(List<Node> chain, int depth, Node replacement)
    {
        var node = replacement;
        for (var i = depth - 1; i >= 0; i--)
        {
            // Replacing an existing child leaves the parent's set of children (and generation) as it was.
            node = chain[i].WithChild(node, chain[i].Generation);
        }

        return node;
    }

    private void Record(string path)
    {
        if (_accessed is not null && !_accessed.ContainsKey(path))
        {
            _accessed[path] = _snapshot!.GenerationOf(path);
        }
    }

    /// <summary>Records the nearest existing ancestor (depth <paramref name="existingDepth"/>) and every missing path below it.</summary>
    private void RecordMissing(string[] components, int existingDepth)
    {
        if (_accessed is null)
        {
            return;
        }

        for (var depth = existingDepth; depth <= components.Length; depth++)
        {
            Record(StorePath.Join(components, depth));
        }
    }
}
