namespace ParaIo.Backend.Block;

/// <summary>
/// Orders FLUSH after the writes received before it. Every write joins the current epoch when it
/// is dispatched and leaves it when its I/O has completed; a FLUSH seals the current epoch, starts
/// a new one, and fsyncs only once the sealed epoch and all earlier ones have drained.
/// </summary>
/// <remarks>
/// <para>
/// Xen only promises that a FLUSH covers writes already <i>acknowledged</i>; those have completed
/// their <c>pwrite</c>, so any fsync issued after the FLUSH arrives covers them. The epochs give
/// the stronger guarantee that writes still in flight when the FLUSH arrived are covered too,
/// without stalling the writes that arrive after it (they join the new epoch).
/// </para>
/// <para>
/// <see cref="Enter"/> and <see cref="Seal"/> run on one ring thread only (each queue of a device
/// has its own epochs); leaving an epoch happens on whichever thread completed the I/O. Writes
/// acknowledged on other queues need no epoch: their I/O completed before the FLUSH arrived.
/// </para>
/// </remarks>
internal sealed class WriteEpochs
{
    private Epoch _current = new(previous: null);

    /// <summary>Joins the current epoch; pair with <see cref="Epoch.Leave"/>.</summary>
    public Epoch Enter()
    {
        var epoch = _current;
        Interlocked.Increment(ref epoch.Writers);
        return epoch;
    }

    /// <summary>Closes the current epoch; the task completes when it and every earlier epoch have drained.</summary>
    public Task Seal()
    {
        var sealedEpoch = _current;
        _current = new Epoch(sealedEpoch);
        return sealedEpoch.Close();
    }

    /// <summary>The writes dispatched between two FLUSHes.</summary>
    internal sealed class Epoch
    {
        // One count stands for "still current", dropped by Close, so an epoch cannot drain while
        // writes may still join it.
        public int Writers = 1;

        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Epoch? _previous;
        private Task? _drainedWithEarlier;

        public Epoch(Epoch? previous) => _previous = previous;

        public void Leave()
        {
            if (Interlocked.Decrement(ref Writers) == 0)
            {
                _drained.TrySetResult();
            }
        }

        public Task Close()
        {
            // The previous epoch was closed when this one began, so its task exists; once it has
            // completed the chain is cut, and a long run of FLUSHes keeps no history alive.
            var earlier = _previous?._drainedWithEarlier;
            _previous = null;
            _drainedWithEarlier = earlier is null || earlier.IsCompleted ? _drained.Task : Task.WhenAll(_drained.Task, earlier);
            Leave();
            return _drainedWithEarlier;
        }
    }
}
