namespace ParaIo.Store.Tree;

/// <summary>
/// The bounds that keep one domain or connection from exhausting the daemon. Domain 0 is trusted
/// and exempt from the node quota; every other limit applies to every connection.
/// </summary>
public sealed record StoreLimits
{
    /// <summary>The defaults: 1024-byte paths, 4096-byte values (XENSTORE_PAYLOAD_MAX), 1000 nodes a domain, 128 watches and 10 transactions a connection.</summary>
    public static StoreLimits Default { get; } = new();

    /// <summary>The longest path in bytes.</summary>
    public int MaxPathLength { get; init; } = StorePath.MaxLength;

    /// <summary>The largest value in bytes.</summary>
    public int MaxValueLength { get; init; } = 4096;

    /// <summary>How many nodes a domain other than 0 may own.</summary>
    public int MaxNodesPerDomain { get; init; } = 1000;

    /// <summary>How many entries a permission list may have.</summary>
    public int MaxPermissionEntries { get; init; } = 16;

    /// <summary>How many watches one connection may hold.</summary>
    public int MaxWatchesPerConnection { get; init; } = 128;

    /// <summary>How many transactions one connection may have open.</summary>
    public int MaxTransactionsPerConnection { get; init; } = 10;

    /// <summary>How many changing operations one transaction may carry.</summary>
    public int MaxTransactionOperations { get; init; } = 1024;

    /// <summary>
    /// How many distinct paths one transaction may look at (each is checked at commit); past it the
    /// transaction's operations answer EQUOTA, so reading endless missing paths cannot grow the daemon.
    /// </summary>
    public int MaxTransactionAccessedPaths { get; init; } = 8192;
}
