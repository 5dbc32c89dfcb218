namespace ParaIo.Nbd.Tests;

/// <summary>
/// An <see cref="NbdServer"/> on a Unix socket in a fresh temporary directory, with its log
/// captured. Disposing stops the server (within a timeout) and removes the directory.
/// </summary>
internal sealed class TestExport : IAsyncDisposable
{
    public const long DefaultSize = 64L * 1024 * 1024;

    private readonly DirectoryInfo _directory;

    private TestExport(IBlockDevice device, Func<string, NbdServerOptions>? options)
    {
        _directory = System.IO.Directory.CreateTempSubdirectory("paraio-nbd-");
        SocketPath = Path.Combine(_directory.FullName, "nbd.sock");
        Device = device;
        Log = new ListLogger();
        Server = new NbdServer(device, options?.Invoke(SocketPath) ?? new NbdServerOptions { UnixSocketPath = SocketPath }, Log);
        Server.Start();
    }

    public string SocketPath { get; }

    public string Directory => _directory.FullName;

    /// <summary>The export as an NBD URI for libnbd and qemu tools.</summary>
    public string Uri => $"nbd+unix:///?socket={SocketPath}";

    public IBlockDevice Device { get; }

    public NbdServer Server { get; }

    public ListLogger Log { get; }

    public static TestExport Start(IBlockDevice? device = null, Func<string, NbdServerOptions>? options = null) =>
        new(device ?? new MemoryBlockDevice(DefaultSize), options);

    public Task<RawNbdClient> OpenAsync() => RawNbdClient.OpenAsync(SocketPath);

    public string TempFile(string name) => Path.Combine(_directory.FullName, name);

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(RawNbdClient.Timeout);
        await Server.StopAsync(deadline.Token);
        await Server.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
