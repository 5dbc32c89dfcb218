using Microsoft.Extensions.Logging;
using ParaIo.Backend.Devices;
using ParaIo.Protocol.Loop;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Backend.Loop;

/// <summary>One connected loopback device: a thread that answers requests until stopped or until the ring faults.</summary>
internal sealed class LoopbackBackendDevice : IBackendDevice
{
    private static readonly TimeSpan s_spin = TimeSpan.FromMicroseconds(20);

    private readonly BackQueue<LoopRequest, LoopResponse> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _worker;

    public LoopbackBackendDevice(BackQueue<LoopRequest, LoopResponse> queue, BackendConnectContext context)
    {
        _queue = queue;
        _worker = new Thread(() => Serve(context.Logger)) { IsBackground = true, Name = $"loop {context.Address}" };
        _worker.Start();
    }

    public Task Stopped => _stopped.Task;

    public string? FailureReason { get; private set; }

    private void Serve(ILogger logger)
    {
        var ring = _queue.Ring;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                while (ring.TryConsumeRequest(out var request))
                {
                    ring.WriteResponse(new LoopResponse { Id = request.Id, Result = LoopProtocol.Answer(request.Value) });
                }

                _queue.Push();
                if (ring.IsFaulted)
                {
                    FailureReason = ring.Fault!.Reason;
                    break;
                }

                _queue.WaitForRequests(s_spin, timeoutMs: 1000, _stop.Token);
            }
        }
        catch (Exception e)
        {
            // Nothing a guest does should get here; if it does, the device dies, not the daemon.
            FailureReason = "the backend worker failed: " + e.Message;
            logger.LogError(e, "Loopback worker failed");
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _queue.Requests.Interrupt();
        await _stopped.Task.ConfigureAwait(false);
        _queue.Dispose();
        _stop.Dispose();
    }
}
