using System.Text.Json;
using ParaIo.Load.Block;

namespace ParaIo.Load.Network;

/// <summary>
/// Guest → guest through ParaIo, set up as an operator would: paraiod on a private socket and
/// state directory, two domains each with a vif on bridge <c>br0</c> (<c>paraioctl domain create
/// NAME --device vif,bridge=br0</c>), and a paraio-guest for each that opens its vif as a TAP
/// interface inside its own network namespace (<c>--netns</c>). A frame then goes TAP → guest 1's
/// NetFront → ring and grants → paraiod's NetBack → the software bridge → NetBack → ring → guest 2's
/// NetFront → TAP. paraiod and the guests are child processes, reaped by <see cref="Dispose"/>.
/// </summary>
internal sealed class ParaioNetStack : IDisposable
{
    public const string ClientAddress = "10.77.0.1";
    public const string ServerAddress = "10.77.0.2";

    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly ChildProcess _daemon;
    private readonly CancellationToken _cancellation;
    private readonly List<ChildProcess> _guests = [];
    private readonly List<string> _namespaces = [];
    private readonly List<string> _vifs = [];

    private ParaioNetStack(string directory, ChildProcess daemon, CancellationToken cancellation)
    {
        _directory = directory;
        _daemon = daemon;
        _cancellation = cancellation;
    }

    private string SocketPath => Path.Combine(_directory, "s.sock");

    /// <summary>Starts paraiod, both domains and both guests, and addresses their interfaces.</summary>
    public static ParaioNetStack Start(string directory, string prefix, CancellationToken cancellation)
    {
        Directory.CreateDirectory(directory);
        var socketPath = Path.Combine(directory, "s.sock");
        var daemon = ChildProcess.StartDotnet("paraiod", ["--socket", socketPath, "--state-dir", Path.Combine(directory, "state"), "--metrics", string.Empty], cancellation);
        var stack = new ParaioNetStack(directory, daemon, cancellation);
        try
        {
            Readiness.WaitFor(daemon, socketPath, s_patience, cancellation);
            ProgressLog.Write($"paraio: paraiod {daemon.Id} listens on {socketPath}.");
            stack.StartGuest("g1", prefix + "a", ClientAddress);
            stack.StartGuest("g2", prefix + "b", ServerAddress);
            return stack;
        }
        catch
        {
            stack.Dispose();
            throw;
        }
    }

    public NamespacePair Endpoints() => new(_namespaces[0], _namespaces[1], ClientAddress, ServerAddress, string.Join("; ", _vifs));

    /// <summary>The guests first (their devices close while paraiod still serves them), then paraiod, then the namespaces.</summary>
    public void Dispose()
    {
        foreach (var guest in _guests)
        {
            guest.Dispose();
        }

        _daemon.Dispose();
        foreach (var ns in _namespaces)
        {
            HostCommand.TryIp("netns", "del", ns);
        }
    }

    private void StartGuest(string name, string ns, string address)
    {
        using (var domain = Control("domain", "create", name, "--device", "vif,bridge=br0", "--json"))
        {
            var token = domain.RootElement.GetProperty("token").GetString() ?? throw new InvalidDataException("domain create reported no token.");
            HostCommand.Ip(_cancellation, "netns", "add", ns);
            _namespaces.Add(ns);
            HostCommand.Ip(_cancellation, "-n", ns, "link", "set", "lo", "up");
            var guest = ChildProcess.StartDotnet("paraio-guest", ["--name", name, "--token", token, "--socket", SocketPath, "--json", "--netns", ns], _cancellation);
            _guests.Add(guest);
            var line = guest.WaitForLine(IsVif, "the TAP interface of vif 0", s_patience, _cancellation);
            using var vif = JsonDocument.Parse(line);
            var root = vif.RootElement;
            var iface = root.GetProperty("interface").GetString() ?? throw new InvalidDataException($"The vif event names no interface: {line}");
            HostCommand.Ip(_cancellation, "-n", ns, "addr", "add", address + "/24", "dev", iface);
            HostCommand.Ip(_cancellation, "-n", ns, "link", "set", iface, "up");
            var offloads = root.TryGetProperty("offloads", out var o) ? $", offloads {o}" : string.Empty;
            var mtu = root.TryGetProperty("mtu", out var m) ? $", mtu {m}" : string.Empty;
            _vifs.Add($"{name}: {iface} in {ns}{mtu}{offloads}");
            ProgressLog.Write($"paraio: paraio-guest {guest.Id} ({name}) has {iface} in {ns} as {address}{mtu}{offloads}.");
        }
    }

    /// <summary>Runs paraioctl against this paraiod and returns its JSON answer; throws with its message when it fails.</summary>
    private JsonDocument Control(params string[] arguments)
    {
        using var ctl = ChildProcess.StartDotnet("paraioctl", ["--socket", SocketPath, .. arguments], _cancellation);
        var code = ctl.WaitForExit(s_patience, _cancellation);
        if (code != 0)
        {
            var said = string.Join(' ', ctl.Tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(2));
            throw new InvalidOperationException($"paraioctl {string.Join(' ', arguments)} exited with {code}: {said}");
        }

        var output = ctl.Output;
        var start = output.IndexOf('{', StringComparison.Ordinal);
        return start >= 0 ? JsonDocument.Parse(output.AsMemory(start)) : throw new InvalidDataException($"paraioctl {string.Join(' ', arguments)} printed no JSON: {output}");
    }

    private static bool IsVif(string line)
    {
        if (!line.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.TryGetProperty("event", out var kind) && kind.GetString() == "vif"
                && root.TryGetProperty("id", out var id) && id.GetInt32() == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
