using System.Threading.Tasks.Sources;
using ParaIo.Protocol.Block;

namespace ParaIo.Frontend.Block;

/// <summary>
/// A caller's read, write, flush or discard: the <see cref="ValueTask"/> it awaits, completed when
/// every ring request it was split into has been answered. Pooled by the device; one reference is
/// held by the submitter until all parts are sent, one by each part in flight.
/// </summary>
internal sealed class BlockOperation : IValueTaskSource
{
    private readonly Action<BlockOperation> _return;
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _references;
    private int _status;
    private Exception? _failure;
    private BlkifOperation _operation;
    private long _sector;

    public BlockOperation(Action<BlockOperation> returnToPool) => _return = returnToPool;

    public short Version => _core.Version;

    public void Start(BlkifOperation operation, long sector, bool completeInline)
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = !completeInline;
        _references = 1;
        _status = 0;
        _failure = null;
        _operation = operation;
        _sector = sector;
    }

    /// <summary>A part was sent.</summary>
    public void AddPart() => Interlocked.Increment(ref _references);

    /// <summary>A part was answered; the first failing status is the operation's.</summary>
    public void PartCompleted(BlkifStatus status)
    {
        if (status != BlkifStatus.Okay)
        {
            Interlocked.CompareExchange(ref _status, (int)status, 0);
        }

        Release();
    }

    /// <summary>The submitter gave up (cancelled, disposed, out of grants); parts already sent still complete first.</summary>
    public void Fail(Exception failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    /// <summary>Drops one reference; the last one completes the operation.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        if (_failure is { } failure)
        {
            _core.SetException(failure);
        }
        else if (_status != 0)
        {
            var status = (BlkifStatus)_status;
            _core.SetException(new BlockRequestException(status, $"The backend answered {status} to {_operation} at sector {_sector}."));
        }
        else
        {
            _core.SetResult(true);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    public void GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            _return(this);
        }
    }
}
