namespace ParaIo.Store.Tree;

/// <summary>What happened at a changed path; decides which permissions gate the watch event.</summary>
internal enum TreeChangeKind
{
    Written,
    Removed,
    PermissionsChanged,
}
