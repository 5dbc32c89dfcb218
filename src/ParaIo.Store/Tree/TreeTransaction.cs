namespace ParaIo.Store.Tree;

/// <summary>
/// An open transaction: a private copy-on-write view that starts at the snapshot taken when it
/// began, the generations of every node it looked at in that snapshot, and the log of its changing
/// operations, which <see cref="StoreTree"/> replays on the committed tree at commit if none of
/// those nodes changed meanwhile.
/// </summary>
internal sealed class TreeTransaction
{
    private readonly List<Func<TreeEditor, StoreError>> _log = [];

    public TreeTransaction(uint id, ushort domain, TreeState snapshot, StoreLimits limits, GenerationCounter generations)
    {
        Id = id;
        Domain = domain;
        Snapshot = snapshot;
        Editor = new TreeEditor(snapshot, limits, generations, Accessed);
        Limits = limits;
    }

    public uint Id { get; }

    public ushort Domain { get; }

    public TreeState Snapshot { get; }

    /// <summary>Generation in the snapshot of every path the transaction looked at (<see cref="TreeState.Absent"/> if none).</summary>
    public Dictionary<string, long> Accessed { get; } = new(StringComparer.Ordinal);

    public TreeEditor Editor { get; }

    public StoreLimits Limits { get; }

    public IReadOnlyList<Func<TreeEditor, StoreError>> Log => _log;

    /// <summary>Set once the transaction has been committed or aborted; it accepts nothing after.</summary>
    public bool Ended { get; set; }

    /// <summary>True once the transaction has looked at as many paths as it may.</summary>
    public bool IsOverAccessLimit => Accessed.Count >= Limits.MaxTransactionAccessedPaths;

    /// <summary>Runs a changing operation on the private view and logs it for the commit.</summary>
    public StoreError Apply(Func<TreeEditor, StoreError> operation)
    {
        if (_log.Count >= Limits.MaxTransactionOperations || IsOverAccessLimit)
        {
            return StoreError.QuotaExceeded;
        }

        var error = operation(Editor);
        if (error == StoreError.None)
        {
            _log.Add(operation);
        }

        return error;
    }
}
