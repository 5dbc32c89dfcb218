namespace ParaIo.Store.Tree;

/// <summary>
/// Hands out generation numbers, store-wide and increasing, so a node removed and created again
/// never shows the generation a transaction saw before.
/// </summary>
internal sealed class GenerationCounter
{
    private long _last;

    public long Next() => Interlocked.Increment(ref _last);
}
