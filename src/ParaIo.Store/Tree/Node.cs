using System.Collections.Immutable;

namespace ParaIo.Store.Tree;

/// <summary>
/// One node of the tree. Immutable: a change copies the node and the path above it, so a
/// transaction's snapshot is one reference and a commit swaps one root.
/// </summary>
internal sealed class Node
{
    public static readonly ImmutableDictionary<string, Node> NoChildren = ImmutableDictionary.Create<string, Node>(StringComparer.Ordinal);

    public Node(string name, byte[] value, NodePermissions permissions, long generation, ImmutableDictionary<string, Node> children)
    {
        Name = name;
        Value = value;
        Permissions = permissions;
        Generation = generation;
        Children = children;
    }

    public string Name { get; }

    /// <summary>Never written after the node is built; readers may hand it out.</summary>
    public byte[] Value { get; }

    public NodePermissions Permissions { get; }

    /// <summary>Bumped when the value, the permissions or the set of children changes.</summary>
    public long Generation { get; }

    public ImmutableDictionary<string, Node> Children { get; }

    public Node WithValue(byte[] value, long generation) => new(Name, value, Permissions, generation, Children);

    public Node WithPermissions(NodePermissions permissions, long generation) => new(Name, Value, permissions, generation, Children);

    /// <summary>Replaces or adds a child; the caller passes a new generation only when the set of children changed.</summary>
    public Node WithChild(Node child, long generation) => new(Name, Value, Permissions, generation, Children.SetItem(child.Name, child));

    public Node WithoutChild(string name, long generation) => new(Name, Value, Permissions, generation, Children.Remove(name));

    /// <summary>This node and every node below it, depth first.</summary>
    public IEnumerable<(string Path, Node Node)> Subtree(string path)
    {
        var stack = new Stack<(string, Node)>();
        stack.Push((path, this));
        while (stack.TryPop(out var item))
        {
            yield return item;
            foreach (var child in item.Item2.Children.Values)
            {
                stack.Push((StorePath.Combine(item.Item1, child.Name), child));
            }
        }
    }
}
