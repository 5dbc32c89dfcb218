using System.ComponentModel;

namespace ParaIo.Load.Block;

/// <summary>The programs from the distribution the blk command drives: present, and which version.</summary>
internal static class HostTools
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Runs <c><paramref name="program"/> --version</c> and returns its first line. Throws
    /// <see cref="InvalidOperationException"/> naming the apt package when the program is not installed.
    /// </summary>
    public static string Version(string program, string package, CancellationToken cancellation) =>
        FirstLine(Run(program, package, ["--version"], cancellation));

    /// <summary>The I/O engines this fio was built with (<c>fio --enghelp</c>).</summary>
    public static IReadOnlySet<string> FioEngines(CancellationToken cancellation) =>
        Run("fio", "fio", ["--enghelp"], cancellation)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.EndsWith(':'))
            .ToHashSet(StringComparer.Ordinal);

    private static string Run(string program, string package, string[] arguments, CancellationToken cancellation)
    {
        ChildProcess child;
        try
        {
            child = ChildProcess.Start(program, program, arguments, cancellation);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{program} is not installed ({e.Message}); install it with: sudo apt-get install {package}", e);
        }

        using (child)
        {
            var code = child.WaitForExit(s_patience, cancellation);
            if (code != 0)
            {
                throw new InvalidOperationException($"'{program} {string.Join(' ', arguments)}' exited with {code}:\n{child.Tail}");
            }

            return child.Output;
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
