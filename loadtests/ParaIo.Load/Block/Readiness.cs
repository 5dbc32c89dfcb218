using System.Diagnostics;
using System.Net.Sockets;

namespace ParaIo.Load.Block;

/// <summary>Waits for a child to be ready: its Unix socket accepts connections, or it wrote the file that says so.</summary>
internal static class Readiness
{
    /// <summary>Polls until <paramref name="path"/> exists and is not empty (a pid file written when the server is ready).</summary>
    public static void WaitForFile(ChildProcess process, string path, TimeSpan patience, CancellationToken cancellation) =>
        Poll(process, path, () => new FileInfo(path) is { Exists: true, Length: > 0 }, patience, cancellation);

    /// <summary>
    /// Polls until a connection to <paramref name="socketPath"/> succeeds: the file appears at
    /// bind, a moment before listen. The probe connection is closed at once; the server serves the next.
    /// </summary>
    public static void WaitFor(ChildProcess process, string socketPath, TimeSpan patience, CancellationToken cancellation) =>
        Poll(process, socketPath, () => File.Exists(socketPath) && CanConnect(socketPath), patience, cancellation);

    private static void Poll(ChildProcess process, string path, Func<bool> ready, TimeSpan patience, CancellationToken cancellation)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Label} exited before it was ready ({path}):\n{process.Tail}");
            }

            if (ready())
            {
                return;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{process.Label} was not ready ({path}) within {patience.TotalSeconds:0} s:\n{process.Tail}");
            }

            Thread.Sleep(20);
        }
    }

    private static bool CanConnect(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
