using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace ParaIo.Load.Peers;

/// <summary>
/// The parent's handle on its peer: this tool started again as <c>paraio-load peer</c>, connected
/// by two Unix-domain sockets in a private temporary directory (control, and data for the socket
/// baselines). The peer is always reaped: asked to quit, then killed if it does not, on success,
/// on error and on Ctrl+C alike.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);
    private const int ReplyTimeoutMs = 15_000;
    private const int ExitTimeoutMs = 3_000;

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _lost;
    private readonly CancellationTokenRegistration _killOnLoss;
    private volatile bool _quitting;

    private PeerProcess(Process process, DirectoryInfo directory, Socket listener, CancellationToken cancellation)
    {
        _process = process;
        _directory = directory;
        _listener = listener;
        _lost = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _killOnLoss = _lost.Token.Register(Kill);
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) =>
        {
            if (!_quitting && !_lost.IsCancellationRequested)
            {
                ProgressLog.Write($"peer {_process.Id} exited unexpectedly.");
                _lost.Cancel();
            }
        };
        if (_process.HasExited && !_quitting)
        {
            _lost.Cancel();
        }
    }

    /// <summary>The peer's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Set when the peer died or the run was cancelled (Ctrl+C); every wait on the peer watches it.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>The control socket.</summary>
    public ControlChannel Control { get; private set; } = null!;

    /// <summary>The socket the socket baselines measure.</summary>
    public Socket Data { get; private set; } = null!;

    /// <summary>Starts the peer and waits (bounded) until both its sockets are connected.</summary>
    public static PeerProcess Start(CancellationToken cancellation)
    {
        var directory = Directory.CreateTempSubdirectory("paraio-load-");
        var path = Path.Combine(directory.FullName, "peer.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Process? process = null;
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(2);
            var info = SelfLauncher.StartInfo(["peer", "--socket", path, "--parent", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]);
            // The peer's stdout is forwarded to our stderr so it can never mix into the report.
            info.RedirectStandardOutput = true;
            process = Process.Start(info) ?? throw new InvalidOperationException("The peer process did not start.");
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    Console.Error.WriteLine($"[peer] {e.Data}");
                }
            };
            process.BeginOutputReadLine();
        }
        catch
        {
            listener.Dispose();
            directory.Delete(recursive: true);
            throw;
        }

        var peer = new PeerProcess(process, directory, listener, cancellation);
        try
        {
            peer.Connect();
            ProgressLog.Write($"peer {peer.Id} connected ({path}).");
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    private void Connect()
    {
        Socket? control = null;
        Socket? data = null;
        var deadline = Stopwatch.GetTimestamp() + (long)(s_startTimeout.TotalSeconds * Stopwatch.Frequency);
        Span<byte> tag = stackalloc byte[1];
        while (control is null || data is null)
        {
            var socket = Accept(deadline);
            socket.ReceiveTimeout = ReplyTimeoutMs;
            socket.SendTimeout = ReplyTimeoutMs;
            // The peer names each connection with one byte, so the order of accepts does not matter.
            SocketIo.ReceiveExactly(socket, tag);
            switch (tag[0])
            {
                case (byte)'C' when control is null:
                    control = socket;
                    break;
                case (byte)'D' when data is null:
                    data = socket;
                    break;
                default:
                    socket.Dispose();
                    throw new InvalidDataException($"The peer opened an unexpected connection (tag {tag[0]}).");
            }
        }

        Control = new ControlChannel(control);
        Data = data;
    }

    private Socket Accept(long deadline)
    {
        // Poll in short steps so a peer that died at start-up, or Ctrl+C, ends the wait early.
        while (!_listener.Poll(100_000, SelectMode.SelectRead))
        {
            Lost.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The peer exited with code {_process.ExitCode} before it connected.");
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"The peer did not connect within {s_startTimeout.TotalSeconds} s.");
            }
        }

        return _listener.Accept();
    }

    /// <summary>Asks the peer to quit and waits for it (bounded); kills it if it does not go.</summary>
    public void Dispose()
    {
        _quitting = true;
        try
        {
            if (!_process.HasExited && Control is not null && !_lost.IsCancellationRequested)
            {
                Control.Send(new PeerCommand(PeerOp.Quit));
                Control.Expect(PeerStatus.Done, "quit");
                _process.WaitForExit(ExitTimeoutMs);
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong (a dead peer gives EPIPE, a hung one a timeout), killing follows.
            ProgressLog.Write($"peer {_process.Id} did not quit cleanly: {e.Message}");
        }

        Kill();
        _killOnLoss.Dispose();
        Control?.Dispose();
        Data?.Dispose();
        _listener.Dispose();
        _process.Dispose();
        _lost.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover socket file in /tmp is harmless; the run's result stands.
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(ExitTimeoutMs);
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }
    }
}
