namespace ParaIo.Store.Tree;

/// <summary>
/// One change for the watches: the path, the permissions before and after (a watcher must be able
/// to read the node to hear of it), and for a removal the removed subtree, whose nodes gate the
/// events of watches below the removed path.
/// </summary>
internal readonly record struct TreeChange(TreeChangeKind Kind, string Path, NodePermissions? Before, NodePermissions? After, Node? Removed);
