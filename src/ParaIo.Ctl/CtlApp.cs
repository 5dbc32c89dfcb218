using System.CommandLine;
using System.CommandLine.Parsing;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl;

/// <summary>
/// paraioctl without the process around it: parses a command line, runs the command against
/// paraiod's store socket, writes to the writers it is given and returns the exit code
/// (<see cref="ExitCodes"/>). <c>Main</c> passes the console; tests pass string writers.
/// </summary>
public static class CtlApp
{
    /// <summary>The program's name, as in its messages (<c>paraioctl: ...</c>) and help.</summary>
    public const string ProgramName = "paraioctl";

    /// <summary>Runs one command line.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="stdout">Tables, trees, JSON and help.</param>
    /// <param name="stderr">Failures and usage errors, one <c>paraioctl: ...</c> line each; a watch's status.</param>
    /// <param name="cancellationToken">Ctrl+C: ends a watch normally, interrupts anything else.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var console = new CtlConsole(stdout, stderr);
        var root = CtlCommands.Build(console);
        var parseResult = root.Parse(args);
        try
        {
            if (parseResult.Errors.Count > 0 && parseResult.Action is System.CommandLine.Invocation.ParseErrorAction)
            {
                foreach (var error in parseResult.Errors)
                {
                    console.Fail(error.Message);
                }

                stderr.WriteLine($"Try '{CommandLineOf(parseResult.CommandResult)} --help'.");
                return ExitCodes.Usage;
            }

            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,

                // Main handles Ctrl+C itself, and a bug should show its stack trace, not be dressed as a failure.
                ProcessTerminationTimeout = null,
                EnableDefaultExceptionHandler = false,
            };
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await stderr.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string CommandLineOf(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult named)
            {
                names.Add(named.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
