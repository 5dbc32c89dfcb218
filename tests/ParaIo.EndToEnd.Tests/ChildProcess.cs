using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// One of ParaIo's programs started as a real process (<c>dotnet program.dll args</c>), with its
/// output collected line by line. Dispose kills and reaps it, so no test leaves one behind.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _all = new();

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything printed so far, for failure messages.</summary>
    public string Output => string.Join('\n', _all);

    public static ChildProcess Start(string program, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program + ".dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data is null ? null : "stderr: " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _all.Enqueue(line);
            _lines.Add(line);
        }
    }

    /// <summary>
    /// Waits until <paramref name="occurrence"/> lines containing <paramref name="text"/> have been
    /// printed (counting from the start, so lines may come in any order) and returns the last of
    /// them; throws with the output so far on timeout.
    /// </summary>
    public string WaitForLine(string text, TimeSpan timeout, int occurrence = 1)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var matches = _all.Where(line => line.Contains(text, StringComparison.Ordinal)).Take(occurrence).ToList();
            if (matches.Count == occurrence)
            {
                return matches[^1];
            }

            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No {(occurrence > 1 ? $"{occurrence} lines" : "line")} with '{text}' within {timeout.TotalSeconds} s. Output:\n{Output}");
            }

            _lines.TryTake(out _, left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>SIGKILL, as <c>kill -9</c>.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP: the process is frozen where it stands (as a paused VM), its sockets open, until <see cref="Resume"/>.</summary>
    public void Pause() => Send(Native.SIGSTOP);

    /// <summary>SIGCONT, after <see cref="Pause"/>.</summary>
    public void Resume() => Send(Native.SIGCONT);

    /// <summary>SIGTERM, as a service manager stops a daemon; waits for the exit.</summary>
    public int Terminate(TimeSpan timeout)
    {
        _ = Native.Kill(_process.Id, Native.SIGTERM);
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"The process did not exit within {timeout.TotalSeconds} s of SIGTERM. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    private void Send(int signal)
    {
        if (Native.Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"The process did not exit within {timeout.TotalSeconds} s. Output:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
