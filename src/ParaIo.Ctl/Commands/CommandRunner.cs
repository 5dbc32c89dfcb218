using System.CommandLine;
using System.Threading.Channels;
using ParaIo.Ctl.Rendering;
using ParaIo.Store;

namespace ParaIo.Ctl.Commands;

/// <summary>
/// Runs command bodies: gives each a <see cref="CommandContext"/>, closes its connection after it,
/// and turns the failures an operator should expect into one line on stderr and an exit code.
/// </summary>
internal sealed class CommandRunner
{
    private readonly GlobalOptions _options;
    private readonly CtlConsole _console;

    public CommandRunner(GlobalOptions options, CtlConsole console)
    {
        _options = options;
        _console = console;
    }

    public void SetAction(Command command, Func<CommandContext, Task<int>> body) =>
        command.SetAction((parseResult, cancellation) => RunAsync(parseResult, body, cancellation));

    /// <summary>Words for the errno names the store answers, for messages such as <c>/x: no such node (ENOENT)</c>.</summary>
    public static string Describe(StoreException exception)
    {
        var what = exception.Error switch
        {
            StoreError.NotFound => "no such node",
            StoreError.PermissionDenied => "permission denied",
            StoreError.InvalidArgument => "invalid path or argument",
            StoreError.TooBig => "too long",
            StoreError.QuotaExceeded => "quota exceeded",
            StoreError.AlreadyExists => "already exists",
            StoreError.Busy => "busy",
            StoreError.Conflict => "changed meanwhile; try again",
            StoreError.IoError => "the daemon failed",
            _ => "refused",
        };
        return exception.Path is null ? $"{what} ({exception.ErrnoName})" : $"{exception.Path}: {what} ({exception.ErrnoName})";
    }

    private async Task<int> RunAsync(ParseResult parseResult, Func<CommandContext, Task<int>> body, CancellationToken cancellation)
    {
        var socket = parseResult.GetValue(_options.Socket) ?? StorePaths.DefaultSocketPath();
        var context = new CommandContext(parseResult, _console, socket, parseResult.GetValue(_options.Json), cancellation);
        await using (context.ConfigureAwait(false))
        {
            try
            {
                return await body(context).ConfigureAwait(false);
            }
            catch (CtlFailure failure)
            {
                _console.Fail(failure.Message);
                return failure.ExitCode;
            }
            catch (StoreException exception)
            {
                _console.Fail(Describe(exception));
                return ExitCodes.Refused;
            }
            catch (Exception exception) when (exception is StoreConnectionLostException or ChannelClosedException)
            {
                var lost = exception as StoreConnectionLostException ?? exception.InnerException;
                _console.Fail($"lost the connection to paraiod (socket {socket}): {lost?.Message ?? exception.Message}");
                return ExitCodes.Refused;
            }
            catch (TimeoutException exception)
            {
                _console.Fail($"paraiod did not answer in time (socket {socket}): {exception.Message}");
                return ExitCodes.Refused;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                _console.Fail("interrupted");
                return ExitCodes.Interrupted;
            }
        }
    }
}
