using System.ComponentModel;

namespace ParaIo.Load.Block;

/// <summary>
/// The nbdkit baseline: <c>nbdkit --unix SOCKET --foreground --exit-with-parent file IMAGE</c>,
/// serving the same image file the ParaIo guest exports, through the host's page cache (the file
/// plugin's default). <c>--exit-with-parent</c> ends it even if this process is killed outright.
/// </summary>
internal sealed class NbdkitServer : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(20);

    private readonly ChildProcess _process;

    private NbdkitServer(ChildProcess process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    /// <summary>The Unix socket it serves the export on.</summary>
    public string SocketPath { get; }

    /// <summary>Starts nbdkit and waits (bounded) until it is ready to accept connections.</summary>
    public static NbdkitServer Start(string image, string directory, CancellationToken cancellation)
    {
        var socketPath = Path.Combine(directory, "nbdkit.sock");
        var pidFile = Path.Combine(directory, "nbdkit.pid");
        File.Delete(pidFile);
        ChildProcess process;
        try
        {
            process = ChildProcess.Start("nbdkit", "nbdkit", ["--unix", socketPath, "--pidfile", pidFile, "--foreground", "--exit-with-parent", "file", image], cancellation);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"nbdkit is not installed ({e.Message}); install it with: sudo apt-get install nbdkit", e);
        }

        try
        {
            // nbdkit writes its pid file once it accepts connections, so no probe connection
            // (which it would log as a failed handshake) is needed.
            Readiness.WaitForFile(process, pidFile, s_patience, cancellation);
            return new NbdkitServer(process, socketPath);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Stops nbdkit (SIGTERM, then SIGKILL) and reaps it.</summary>
    public void Dispose() => _process.Dispose();
}
