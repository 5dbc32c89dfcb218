using ParaIo.Store.Tree;

namespace ParaIo.Ctl.Commands;

/// <summary>One node of a subtree as <c>store ls</c> read it.</summary>
/// <param name="Name">The last path component (empty for the root).</param>
/// <param name="Path">The absolute path.</param>
/// <param name="Value">The raw value.</param>
/// <param name="Permissions">The permission list, when asked for.</param>
/// <param name="Children">The children read, in the store's order.</param>
internal sealed record StoreNode(string Name, string Path, byte[] Value, NodePermissions? Permissions, IReadOnlyList<StoreNode> Children);
