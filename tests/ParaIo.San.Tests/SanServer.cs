using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.San.Tests;

/// <summary>
/// A real NBD server playing the SAN: nbdkit or qemu-nbd on a Unix socket in a directory of its
/// own (on tmpfs), started in the foreground so the test can kill it (SIGKILL) and start it again.
/// </summary>
internal sealed class SanServer : IAsyncDisposable
{
    private readonly string _program;
    private readonly Func<SanServer, IReadOnlyList<string>> _arguments;
    private Process? _process;

    private SanServer(string program, Func<SanServer, IReadOnlyList<string>> arguments)
    {
        _program = program;
        _arguments = arguments;
        var root = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        Directory = System.IO.Directory.CreateDirectory(Path.Combine(root, "paraio-san-" + Guid.NewGuid().ToString("N"))).FullName;
        SocketPath = Path.Combine(Directory, "san.sock");
    }

    public string Directory { get; }

    public string SocketPath { get; }

    public string ImagePath => Path.Combine(Directory, "lun.img");

    public string LogPath => Path.Combine(Directory, "nbdkit.log");

    public Uri Uri(string export = "") => new($"nbd+unix:///{export}?socket={SocketPath}");

    public bool IsRunning => _process is { HasExited: false };

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>nbdkit with the file plugin over a new sparse image; <paramref name="extra"/> goes before the plugin (e.g. "-r", "--filter=log").</summary>
    public static Task<SanServer> NbdkitFileAsync(long bytes, params string[] extra) =>
        StartAsync("nbdkit", "nbdkit", server =>
        {
            if (!File.Exists(server.ImagePath))
            {
                using var image = File.Create(server.ImagePath);
                image.SetLength(bytes);
            }

            return [.. extra, "file", server.ImagePath, .. extra.Contains("--filter=log") ? new[] { "logfile=" + server.LogPath } : []];
        });

    /// <summary>nbdkit's memory plugin: the export lives in nbdkit and dies with it.</summary>
    public static Task<SanServer> NbdkitMemoryAsync(string size, params string[] extra) =>
        StartAsync("nbdkit", "nbdkit", _ => [.. extra, "memory", size]);

    /// <summary>qemu-nbd serving a raw image under an export name, many clients one after another.</summary>
    public static Task<SanServer> QemuNbdAsync(long bytes, string exportName) =>
        StartAsync("qemu-nbd", "qemu-utils", server =>
        {
            if (!File.Exists(server.ImagePath))
            {
                using var image = File.Create(server.ImagePath);
                image.SetLength(bytes);
            }

            return ["--persistent", "--shared=4", "--format=raw", "--cache=writeback", "--export-name=" + exportName, "--socket=" + server.SocketPath, server.ImagePath];
        });

    /// <summary>Ends the test as inconclusive, naming the package, when <paramref name="program"/> is not on PATH.</summary>
    public static void Require(string program, string package)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(directory => File.Exists(Path.Combine(directory, program))))
        {
            Assert.Inconclusive($"{program} is not installed (apt-get install {package}); this test runs the LUN against the real server.");
        }
    }

    /// <summary>SIGKILL: no goodbye to its clients, the socket file left behind.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync().Within();
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server (again), on the same socket and image, and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        File.Delete(SocketPath);
        var start = new ProcessStartInfo(_program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_program == "nbdkit")
        {
            foreach (var argument in new[] { "--foreground", "--exit-with-parent", "--unix", SocketPath })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in _arguments(this))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_program}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow + Waits.Limit;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{_program} exited with {process.ExitCode} before it served {SocketPath}.");
            }

            if (File.Exists(SocketPath))
            {
                try
                {
                    using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
                    return;
                }
                catch (SocketException)
                {
                    // Bound but not listening yet.
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_program} did not serve {SocketPath} within {Waits.Limit.TotalSeconds} s.");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static async Task<SanServer> StartAsync(string program, string package, Func<SanServer, IReadOnlyList<string>> arguments)
    {
        Require(program, package);
        var server = new SanServer(program, arguments);
        await server.StartAsync();
        return server;
    }
}
