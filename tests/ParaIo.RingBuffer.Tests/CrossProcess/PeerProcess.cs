using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace ParaIo.RingBuffer.Tests.CrossProcess;

/// <summary>
/// A running ParaIo.RingBuffer.Peer process and the Unix socket it connects to. Collects its
/// stdout lines; killing and reaping it on Dispose, so no test leaves a process behind.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly BlockingCollection<string> _lines;
    private readonly string _directory;

    private PeerProcess(Process process, BlockingCollection<string> lines, string directory, Socket connection)
    {
        _process = process;
        _lines = lines;
        _directory = directory;
        Connection = connection;
    }

    /// <summary>The test's end of the socket the peer connected to.</summary>
    public Socket Connection { get; }

    public int Id => _process.Id;

    /// <summary>Starts the peer in <paramref name="role"/> and accepts its connection.</summary>
    public static PeerProcess Start(string role, params string[] arguments)
    {
        var directory = Directory.CreateTempSubdirectory("paraio-peer-").FullName;
        var socketPath = Path.Combine(directory, "peer.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ParaIo.RingBuffer.Peer.dll"));
        start.ArgumentList.Add(role);
        start.ArgumentList.Add("--socket");
        start.ArgumentList.Add(socketPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the peer process.");
        var lines = new BlockingCollection<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Add("stderr " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(s_connectTimeout);
        Socket connection;
        try
        {
            connection = listener.AcceptAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The peer ({role}) did not connect within {s_connectTimeout.TotalSeconds} s: {string.Join(" | ", lines)}");
        }

        return new PeerProcess(process, lines, directory, connection);
    }

    /// <summary>Waits for the next line starting with one of the prefixes; fails on an "error" line or timeout.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_lines.TryTake(out var line, left))
            {
                throw new TimeoutException($"The peer printed no '{prefix}' line within {timeout.TotalSeconds} s (exited: {_process.HasExited}).");
            }

            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }

            if (line.StartsWith("error", StringComparison.Ordinal) || line.StartsWith("stderr Unhandled", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The peer failed: {line}");
            }
        }
    }

    /// <summary>Waits for the peer to exit; returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"The peer did not exit within {timeout.TotalSeconds} s.");
        }

        return _process.ExitCode;
    }

    /// <summary>CPU time (user + system) the peer has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Parses "key=value" fields of a peer's line.</summary>
    public static long Field(string line, string key)
    {
        foreach (var part in line.Split(' '))
        {
            if (part.StartsWith(key + "=", StringComparison.Ordinal))
            {
                return long.Parse(part.AsSpan(key.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new KeyNotFoundException($"No {key}= in '{line}'.");
    }

    public void Dispose()
    {
        Connection.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
