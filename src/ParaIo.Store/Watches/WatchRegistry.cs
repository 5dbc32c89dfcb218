using ParaIo.Store.Tree;

namespace ParaIo.Store.Watches;

/// <summary>
/// Every registered watch, indexed by watched path so a change looks up only its own ancestors.
/// Not thread-safe: <see cref="StoreTree"/> calls it with its lock held.
/// </summary>
internal sealed class WatchRegistry
{
    private readonly Dictionary<string, List<(IWatchSink Sink, string Token)>> _byPath = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public void Add(IWatchSink sink, string path, string token)
    {
        if (!_byPath.TryGetValue(path, out var list))
        {
            list = [];
            _byPath[path] = list;
        }

        list.Add((sink, token));
        Count++;
    }

    public bool Remove(IWatchSink sink, string path, string token)
    {
        if (!_byPath.TryGetValue(path, out var list))
        {
            return false;
        }

        var index = list.FindIndex(w => ReferenceEquals(w.Sink, sink) && w.Token == token);
        if (index < 0)
        {
            return false;
        }

        list.RemoveAt(index);
        Count--;
        if (list.Count == 0)
        {
            _byPath.Remove(path);
        }

        return true;
    }

    public void RemoveAll(IWatchSink sink)
    {
        List<string>? emptied = null;
        foreach (var (path, list) in _byPath)
        {
            Count -= list.RemoveAll(w => ReferenceEquals(w.Sink, sink));
            if (list.Count == 0)
            {
                (emptied ??= []).Add(path);
            }
        }

        if (emptied is not null)
        {
            foreach (var path in emptied)
            {
                _byPath.Remove(path);
            }
        }
    }

    /// <summary>Tells every watch the change concerns, if its domain may read the node.</summary>
    public void Fire(in TreeChange change)
    {
        if (_byPath.Count == 0)
        {
            return;
        }

        // Watches at the changed path or above it hear the changed path.
        var path = change.Path;
        var prefix = path;
        while (true)
        {
            if (_byPath.TryGetValue(prefix, out var list))
            {
                foreach (var (sink, token) in list)
                {
                    if (MayHear(change, sink.Domain))
                    {
                        sink.Deliver(path, token);
                    }
                }
            }

            if (prefix.Length == 1)
            {
                break;
            }

            prefix = StorePath.Parent(prefix);
        }

        // Removing a node removes everything below it: watches on nodes that existed there hear
        // their own path, gated by the permissions those nodes had.
        if (change.Kind == TreeChangeKind.Removed && change.Removed is { } removed)
        {
            foreach (var (watched, list) in _byPath)
            {
                if (watched.Length <= path.Length || !StorePath.IsAncestorOrSelf(path, watched))
                {
                    continue;
                }

                var node = Descend(removed, watched.AsSpan(path.Length == 1 ? 1 : path.Length + 1));
                if (node is null)
                {
                    continue;
                }

                foreach (var (sink, token) in list)
                {
                    if ((node.Permissions.AccessFor(sink.Domain) & StoreAccess.Read) != 0)
                    {
                        sink.Deliver(watched, token);
                    }
                }
            }
        }
    }

    /// <summary>Tells every watch on a special name (<c>@releaseDomain</c>); only domain 0 may hold those.</summary>
    public void FireSpecial(string name)
    {
        if (_byPath.TryGetValue(name, out var list))
        {
            foreach (var (sink, token) in list)
            {
                sink.Deliver(name, token);
            }
        }
    }

    private static bool MayHear(in TreeChange change, ushort domain)
    {
        var access = change.Kind switch
        {
            TreeChangeKind.Removed => change.Before!.AccessFor(domain),
            TreeChangeKind.PermissionsChanged => change.Before!.AccessFor(domain) | change.After!.AccessFor(domain),
            _ => change.After!.AccessFor(domain),
        };
        return (access & StoreAccess.Read) != 0;
    }

    private static Node? Descend(Node node, ReadOnlySpan<char> relative)
    {
        foreach (var range in relative.Split('/'))
        {
            if (!node.Children.TryGetValue(relative[range].ToString(), out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }
}
