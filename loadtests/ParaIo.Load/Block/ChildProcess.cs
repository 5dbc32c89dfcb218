using System.Collections.Concurrent;
using System.Diagnostics;
using ParaIo.Load.Linux;

namespace ParaIo.Load.Block;

/// <summary>
/// A program the blk command runs beside itself: fio, nbdkit, paraiod, paraioctl or paraio-guest.
/// Its standard output is kept line by line for the caller (fio's JSON, paraioctl's answer, the
/// guest's events) and never reaches this process's stdout, which carries only the report; its
/// standard error is forwarded to this process's stderr, tagged. The child is always reaped:
/// <see cref="Dispose"/> sends SIGTERM (paraiod and the guest then close their devices), waits a
/// grace period and kills the whole tree if it is still there; a cancellation (Ctrl+C, SIGTERM)
/// kills it at once.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private const int TailLines = 30;

    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_drain = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Children started and not yet reaped, for the CPU accounting of the process tree.</summary>
    private static readonly ConcurrentDictionary<int, string> s_live = new();

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly Queue<string> _tail = new();
    private readonly SemaphoreSlim _printed = new(0);
    private readonly ManualResetEventSlim _outputClosed = new();
    private readonly ManualResetEventSlim _errorClosed = new();
    private CancellationTokenRegistration _killOnCancel;

    private ChildProcess(string label, Process process)
    {
        Label = label;
        _process = process;
    }

    /// <summary>What progress lines call it: "fio", "nbdkit", "paraiod"...</summary>
    public string Label { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Process ids of every child running now.</summary>
    public static IEnumerable<int> LiveIds => s_live.Keys;

    /// <summary>Everything the child printed on stdout so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>The last lines it printed on either stream, for error messages.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join('\n', _tail);
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="program"/> (looked up on PATH). Throws
    /// <see cref="System.ComponentModel.Win32Exception"/> when there is no such program.
    /// </summary>
    public static ChildProcess Start(string label, string program, IEnumerable<string> arguments, CancellationToken cancellation)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Start(label, info, cancellation);
    }

    /// <summary>
    /// Starts one of ParaIo's programs from this tool's output directory (its ProjectReferences
    /// copy paraiod.dll, paraioctl.dll and paraio-guest.dll there) with the dotnet host.
    /// </summary>
    public static ChildProcess StartDotnet(string assembly, IEnumerable<string> arguments, CancellationToken cancellation)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{assembly}.dll is not next to paraio-load; build loadtests/ParaIo.Load again.", path);
        }

        var host = Environment.ProcessPath is { } self && string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal) ? self : "dotnet";
        return Start(assembly, host, [path, .. arguments], cancellation);
    }

    private static ChildProcess Start(string label, ProcessStartInfo info, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(label, process);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnError(e.Data);
        process.Start();
        s_live[process.Id] = label;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child._killOnCancel = cancellation.Register(child.Kill);
        return child;
    }

    /// <summary>
    /// Waits until the child prints a line on stdout that <paramref name="match"/> accepts, and
    /// returns it; lines printed earlier count too. Throws when the child exits first, on timeout
    /// and on cancellation.
    /// </summary>
    public string WaitForLine(Func<string, bool> match, string what, TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var next = 0;
        while (true)
        {
            lock (_output)
            {
                for (; next < _output.Count; next++)
                {
                    if (match(_output[next]))
                    {
                        return _output[next];
                    }
                }
            }

            cancellation.ThrowIfCancellationRequested();
            if (_outputClosed.IsSet)
            {
                throw new InvalidOperationException($"{Label} exited before {what}{Exit()}. Its last lines:\n{Tail}");
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{Label} did not show {what} within {timeout.TotalSeconds:0} s. Its last lines:\n{Tail}");
            }

            _printed.Wait(s_poll, cancellation);
        }
    }

    /// <summary>
    /// Waits for the child to exit and for its output to end; returns the exit code. On timeout
    /// the child is killed and <see cref="TimeoutException"/> thrown; on cancellation it is killed
    /// and <see cref="OperationCanceledException"/> thrown.
    /// </summary>
    public int WaitForExit(TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!_process.WaitForExit(s_poll))
        {
            cancellation.ThrowIfCancellationRequested();
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Kill();
                throw new TimeoutException($"{Label} did not finish within {timeout.TotalSeconds:0} s; killed. Its last lines:\n{Tail}");
            }
        }

        // The streams end when the child's last descriptor closes; a grandchild could hold them
        // open, so this wait is bounded rather than Process.WaitForExit() without a limit.
        _outputClosed.Wait(s_drain, cancellation);
        _errorClosed.Wait(s_drain, cancellation);
        cancellation.ThrowIfCancellationRequested();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, a grace period, then SIGKILL of the whole tree; returns once the child is reaped.</summary>
    public void Dispose()
    {
        _killOnCancel.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _ = Native.Kill(_process.Id, Native.SIGTERM);
                if (!_process.WaitForExit(s_grace))
                {
                    ProgressLog.Write($"{Label} ({_process.Id}) was still running {s_grace.TotalSeconds:0} s after SIGTERM; killing it.");
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        Kill();
        s_live.TryRemove(_process.Id, out _);
        // The signals are left to the collector: the output handlers may still run on a pool
        // thread after the process is reaped, and must not meet a disposed semaphore.
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(s_grace);
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }
    }

    private string Exit() => _process.HasExited ? $" (exit code {_process.ExitCode})" : string.Empty;

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _outputClosed.Set();
            _printed.Release();
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        KeepTail(line);
        _printed.Release();
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            _errorClosed.Set();
            return;
        }

        KeepTail(line);
        Console.Error.WriteLine($"[{Label}] {line}");
    }

    private void KeepTail(string line)
    {
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }
}
