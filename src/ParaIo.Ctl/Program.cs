using ParaIo.Ctl;

// Ctrl+C ends a running command through its cancellation token (a watch ends normally) instead of
// killing the process mid-request.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

return await CtlApp.RunAsync(args, Console.Out, Console.Error, interrupted.Token).ConfigureAwait(false);
