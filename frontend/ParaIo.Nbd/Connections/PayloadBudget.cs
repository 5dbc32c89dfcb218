namespace ParaIo.Nbd.Connections;

/// <summary>
/// Caps the payload bytes one connection holds in buffers at once. The connection's reader is the
/// only one that acquires (so there is at most one waiter); the reply writer releases.
/// </summary>
internal sealed class PayloadBudget
{
    private readonly Lock _lock = new();
    private readonly long _capacity;
    private long _available;
    private TaskCompletionSource? _waiter;
    private long _waiterNeeds;

    public PayloadBudget(long capacity)
    {
        _capacity = capacity;
        _available = capacity;
    }

    /// <summary>Takes <paramref name="bytes"/>, waiting for replies to give enough back.</summary>
    public ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_available >= bytes)
            {
                _available -= bytes;
                return ValueTask.CompletedTask;
            }

            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiterNeeds = bytes;
            return new ValueTask(_waiter.Task.WaitAsync(cancellationToken));
        }
    }

    public void Release(long bytes)
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            _available += bytes;
            if (_waiter is not null && _available >= _waiterNeeds)
            {
                _available -= _waiterNeeds;
                wake = _waiter;
                _waiter = null;
            }
        }

        wake?.SetResult();
    }

    public long Capacity => _capacity;
}
