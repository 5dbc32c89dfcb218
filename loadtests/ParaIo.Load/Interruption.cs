using System.Runtime.InteropServices;

namespace ParaIo.Load;

/// <summary>
/// Turns Ctrl+C (SIGINT) and SIGTERM into a cancellation, so the command can stop its loops, reap
/// its children (the ring's peer; blk's fio, nbdkit, paraiod and guest) and exit on its own
/// instead of being killed with a child left behind.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public Interruption()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _source.Token;

    public bool IsRequested => _source.IsCancellationRequested;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (!_source.IsCancellationRequested)
        {
            ProgressLog.Write($"{context.Signal}: stopping and reaping the child processes.");
            _source.Cancel();
        }
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }
}
