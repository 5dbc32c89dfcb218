namespace ParaIo.Backend.Qos;

/// <summary>
/// One unit of work waiting at a leaf: a frame handed in by <see cref="PortScheduler.Enqueue(QosNode, object, int)"/>, or
/// a caller of <see cref="PortScheduler.WaitAdmitAsync"/> parked until its turn.
/// </summary>
internal struct QueueEntry
{
    public object? Item;
    public AdmitWaiter? Waiter;
    public short WaiterVersion;
    public int Bytes;
    public int Ops;

    /// <summary>A waiter entry whose waiter was cancelled or recycled since it was queued.</summary>
    public readonly bool IsStale => Waiter is { } w && (!w.Pending || w.Version != WaiterVersion);
}
