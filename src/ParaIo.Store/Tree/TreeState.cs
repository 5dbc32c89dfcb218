using System.Collections.Immutable;

namespace ParaIo.Store.Tree;

/// <summary>One immutable version of the whole tree: its root and how many nodes each domain owns.</summary>
internal sealed class TreeState
{
    /// <summary>Generation recorded for a path that names no node.</summary>
    public const long Absent = -1;

    public TreeState(Node root, ImmutableDictionary<ushort, int> owned)
    {
        Root = root;
        Owned = owned;
    }

    /// <summary>A tree holding only the root, owned by domain 0 and closed to everyone else.</summary>
    public static TreeState Empty { get; } = new(
        new Node(string.Empty, [], NodePermissions.Dom0Only, 0, Node.NoChildren),
        ImmutableDictionary<ushort, int>.Empty.Add(0, 1));

    public Node Root { get; }

    public ImmutableDictionary<ushort, int> Owned { get; }

    public int OwnedBy(ushort domain) => Owned.GetValueOrDefault(domain);

    public Node? Find(string path) => Find(StorePath.Split(path), int.MaxValue);

    /// <summary>The node named by the first <paramref name="count"/> components, or null.</summary>
    public Node? Find(string[] components, int count)
    {
        var node = Root;
        var end = Math.Min(count, components.Length);
        for (var i = 0; i < end; i++)
        {
            if (!node.Children.TryGetValue(components[i], out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    public long GenerationOf(string path) => Find(path)?.Generation ?? Absent;
}
