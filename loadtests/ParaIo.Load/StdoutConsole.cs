using Spectre.Console;

namespace ParaIo.Load;

/// <summary>The Spectre console for stdout: full width when redirected to a file or pipe, so the table never wraps there.</summary>
internal static class StdoutConsole
{
    private const int RedirectedWidth = 180;

    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
