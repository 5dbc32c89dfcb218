using System.Text.Json;
using ParaIo.Store.Client;
using ParaIo.Store.Server;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// A real paraiod process on a private socket and state directory, and a domain-0 store client
/// to manage it the way paraioctl does (CONTROL messages).
/// </summary>
internal sealed class Paraiod : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _metrics;
    private readonly string[] _arguments;
    private ChildProcess _process;
    private StoreClient _control;

    private Paraiod(string directory, string metrics, string[] arguments, ChildProcess process, StoreClient control)
    {
        Directory = directory;
        _metrics = metrics;
        _arguments = arguments;
        _process = process;
        _control = control;
    }

    public string Directory { get; }

    public string SocketPath => Path.Combine(Directory, "paraiod.sock");

    public ChildProcess Process => _process;

    /// <summary>
    /// Starts paraiod; <paramref name="metrics"/> is its Prometheus host:port, off when empty;
    /// <paramref name="arguments"/> go on its command line (settings such as <c>--Paraiod:MacAgingSeconds=2</c>).
    /// </summary>
    public static async Task<Paraiod> StartAsync(string metrics = "", params string[] arguments)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("paraio-e2e-").FullName;
        var process = Launch(directory, metrics, arguments);
        var control = await StoreClient.ConnectAsync(Path.Combine(directory, "paraiod.sock"), StoreAuthenticators.Dom0Name);
        return new Paraiod(directory, metrics, arguments, process, control);
    }

    private static ChildProcess Launch(string directory, string metrics, string[] arguments)
    {
        var process = ChildProcess.Start("paraiod", null, ["--socket", Path.Combine(directory, "paraiod.sock"), "--state-dir", Path.Combine(directory, "state"), "--metrics", metrics, .. arguments]);
        process.WaitForLine("paraiod ready", Patience);
        return process;
    }

    /// <summary>Stops the daemon (SIGTERM, or SIGKILL when <paramref name="crash"/>) and starts it again on the same socket and state.</summary>
    public async Task RestartAsync(bool crash)
    {
        await _control.DisposeAsync();
        if (crash)
        {
            _process.Kill();
        }
        else
        {
            var exitCode = _process.Terminate(Patience);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"paraiod exited with {exitCode} after SIGTERM:\n{_process.Output}");
            }
        }

        await StartAgainAsync();
    }

    /// <summary>SIGKILL, and nothing else: the daemon stays down until <see cref="StartAgainAsync"/>.</summary>
    public async Task KillAsync()
    {
        await _control.DisposeAsync();
        _process.Kill();
    }

    /// <summary>Starts the daemon again on the same socket and state, after it stopped or was killed.</summary>
    public async Task StartAgainAsync()
    {
        _process.Dispose();
        _process = Launch(Directory, _metrics, _arguments);
        _control = await StoreClient.ConnectAsync(SocketPath, StoreAuthenticators.Dom0Name);
    }

    /// <summary>Runs a management command; returns its <c>result</c>, or throws with the daemon's message.</summary>
    public async Task<JsonElement> ControlAsync(params string[] arguments)
    {
        using var reply = JsonDocument.Parse(await _control.ControlAsync(arguments));
        var root = reply.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            throw new InvalidOperationException($"{root.GetProperty("error").GetString()}: {root.GetProperty("message").GetString()}");
        }

        return root.GetProperty("result").Clone();
    }

    /// <summary>Creates a domain; returns its id and token.</summary>
    public async Task<(int DomainId, string Token)> CreateDomainAsync(string name, params string[] devices)
    {
        var result = await ControlAsync([.. new[] { "domain-create", name }, .. devices]);
        return (result.GetProperty("domid").GetInt32(), result.GetProperty("token").GetString()!);
    }

    /// <summary>Both ends' states of every device of a domain.</summary>
    public async Task<IReadOnlyList<(string Device, int Frontend, int Backend)>> DeviceStatesAsync(string name)
    {
        var devices = await ControlAsync("device-list", name);
        return [.. devices.EnumerateArray().Select(d => ($"{d.GetProperty("type").GetString()}/{d.GetProperty("id").GetInt32()}", d.GetProperty("frontendState").GetInt32(), d.GetProperty("backendState").GetInt32()))];
    }

    /// <summary>Polls until every device of the domain shows both states; returns how long it took.</summary>
    public async Task<TimeSpan> WaitForDevicesAsync(string name, int frontend, int backend)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<(string Device, int Frontend, int Backend)> states = [];
        while (clock.Elapsed < Patience)
        {
            states = await DeviceStatesAsync(name);
            if (states.Count > 0 && states.All(s => s.Frontend == frontend && s.Backend == backend))
            {
                return clock.Elapsed;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"Devices of {name} did not reach {frontend}/{backend}: {string.Join(", ", states)}. paraiod:\n{_process.Output}");
    }

    /// <summary>Starts a guest agent for the domain.</summary>
    public ChildProcess StartGuest(string name, string token, params string[] arguments) =>
        ChildProcess.Start("paraio-guest", null, ["--name", name, "--token", token, "--socket", SocketPath, "--json", .. arguments]);

    public async ValueTask DisposeAsync()
    {
        await _control.DisposeAsync();
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
