using System.Text.Json;

namespace ParaIo.Load.Block;

/// <summary>
/// paraiod as a child process on a private socket and state directory, driven the way an operator
/// drives it: <c>paraioctl</c> for management, <c>paraio-guest</c> for each domain. The ParaIo
/// targets of <c>blk</c> and <c>net</c> are built on it.
/// </summary>
internal sealed class ParaiodChild : IDisposable
{
    /// <summary>How long any step of setting up a target may take.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _daemon;
    private readonly CancellationToken _cancellation;

    private ParaiodChild(string socketPath, ChildProcess daemon, CancellationToken cancellation)
    {
        SocketPath = socketPath;
        _daemon = daemon;
        _cancellation = cancellation;
    }

    /// <summary>paraiod's store socket.</summary>
    public string SocketPath { get; }

    /// <summary>
    /// Starts paraiod in <paramref name="directory"/> and waits until its socket listens;
    /// <paramref name="settings"/> go on its command line (such as <c>--Paraiod:Fabric:Modules:nic0:Ports:0:LineRate=300M</c>).
    /// </summary>
    public static ParaiodChild Start(string directory, CancellationToken cancellation, params string[] settings)
    {
        Directory.CreateDirectory(directory);
        var socketPath = Path.Combine(directory, "paraiod.sock");
        var daemon = ChildProcess.StartDotnet("paraiod", ["--socket", socketPath, "--state-dir", Path.Combine(directory, "state"), "--metrics", string.Empty, .. settings], cancellation);
        try
        {
            Readiness.WaitFor(daemon, socketPath, Patience, cancellation);
        }
        catch
        {
            daemon.Dispose();
            throw;
        }

        ProgressLog.Write($"paraio: paraiod {daemon.Id} listens on {socketPath}.");
        return new ParaiodChild(socketPath, daemon, cancellation);
    }

    /// <summary>Runs paraioctl against this paraiod and returns its JSON answer; throws with its message when it fails.</summary>
    public JsonDocument Control(params string[] arguments)
    {
        using var ctl = ChildProcess.StartDotnet("paraioctl", ["--socket", SocketPath, .. arguments], _cancellation);
        var code = ctl.WaitForExit(Patience, _cancellation);
        if (code != 0)
        {
            var said = string.Join(' ', ctl.Tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(2));
            throw new InvalidOperationException($"paraioctl {string.Join(' ', arguments)} exited with {code}: {said}");
        }

        var output = ctl.Output;
        var start = output.IndexOf('{', StringComparison.Ordinal);
        return start >= 0 ? JsonDocument.Parse(output.AsMemory(start)) : throw new InvalidDataException($"paraioctl {string.Join(' ', arguments)} printed no JSON: {output}");
    }

    /// <summary>Creates a domain with <paramref name="devices"/> (paraioctl options) and returns its token.</summary>
    public string CreateDomain(string name, params string[] devices)
    {
        using var domain = Control(["domain", "create", name, .. devices, "--json"]);
        return domain.RootElement.GetProperty("token").GetString() ?? throw new InvalidDataException("domain create reported no token.");
    }

    /// <summary>Starts paraio-guest for a domain, with JSON events and any <paramref name="options"/>.</summary>
    public ChildProcess StartGuest(string name, string token, params string[] options) =>
        ChildProcess.StartDotnet("paraio-guest", ["--name", name, "--token", token, "--socket", SocketPath, "--json", .. options], _cancellation);

    /// <summary>
    /// Waits for paraio-guest's JSON event <paramref name="kind"/> about device 0 (of
    /// <paramref name="type"/>, when given) and returns it.
    /// </summary>
    public JsonDocument WaitForEvent(ChildProcess guest, string kind, string? type, string what)
    {
        var line = guest.WaitForLine(l => IsEvent(l, kind, type), what, Patience, _cancellation);
        return JsonDocument.Parse(line);
    }

    /// <summary>Stops paraiod; stop its guests first, so their devices close while it still serves them.</summary>
    public void Dispose() => _daemon.Dispose();

    private static bool IsEvent(string line, string kind, string? type)
    {
        if (!line.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.TryGetProperty("event", out var name) && name.GetString() == kind
                && (type is null || (root.TryGetProperty("type", out var device) && device.GetString() == type))
                && root.TryGetProperty("id", out var id) && id.GetInt32() == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
