using System.ComponentModel;
using ParaIo.Load.Block;

namespace ParaIo.Load.Network;

/// <summary>Short-lived host programs the net command runs to set up and tear down (ip, iperf3 --version).</summary>
internal static class HostCommand
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="program"/> and returns its stdout; throws with its last lines when it
    /// exits non-zero, and naming the apt package when it is not installed.
    /// </summary>
    public static string Run(string program, string package, IEnumerable<string> arguments, CancellationToken cancellation)
    {
        var list = arguments.ToArray();
        ChildProcess child;
        try
        {
            child = ChildProcess.Start(program, program, list, cancellation);
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
                var said = string.Join(' ', child.Tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(2));
                throw new InvalidOperationException($"'{program} {string.Join(' ', list)}' exited with {code}: {said}");
            }

            return child.Output;
        }
    }

    /// <summary><c>ip ARGS</c>.</summary>
    public static string Ip(CancellationToken cancellation, params string[] arguments) => Run("ip", "iproute2", arguments, cancellation);

    /// <summary><c>ip ARGS</c> that may fail (teardown): false instead of an exception.</summary>
    public static bool TryIp(params string[] arguments)
    {
        try
        {
            Ip(CancellationToken.None, arguments);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The first line of <c>PROGRAM --version</c> (-V for ping).</summary>
    public static string Version(string program, string package, string flag, CancellationToken cancellation)
    {
        var text = Run(program, package, [flag], cancellation);
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
