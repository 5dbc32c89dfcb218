using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace ParaIo.Store.Protocol;

/// <summary>
/// The one writer of a connection's socket: replies and watch events from any thread queue here,
/// and a single pump copies them into the <see cref="PipeWriter"/>, flushing when the queue runs
/// dry so a burst of pipelined replies leaves in few syscalls.
/// </summary>
internal sealed class FrameOutbox
{
    private readonly Channel<OutboundFrame> _queue;

    public FrameOutbox(int capacity)
    {
        _queue = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues without waiting; false (and the frame released) when the queue is full or closed.</summary>
    public bool TryPost(OutboundFrame frame)
    {
        if (_queue.Writer.TryWrite(frame))
        {
            return true;
        }

        frame.Release();
        return false;
    }

    /// <summary>Queues, waiting for room: the sender of requests is slowed to the pace its replies are read.</summary>
    public async ValueTask PostAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            frame.Release();
            throw;
        }
    }

    /// <summary>Accepts nothing more; the pump sends what is queued and returns.</summary>
    public void Close() => _queue.Writer.TryComplete();

    public async Task PumpAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    writer.Write(frame.Span);
                    frame.Release();
                }

                var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return;
                }
            }
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var frame))
            {
                frame.Release();
            }
        }
    }
}
