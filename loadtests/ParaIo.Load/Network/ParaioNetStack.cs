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

    private readonly ParaiodChild _daemon;
    private readonly CancellationToken _cancellation;
    private readonly List<ChildProcess> _guests = [];
    private readonly List<string> _namespaces = [];
    private readonly List<string> _vifs = [];

    private ParaioNetStack(ParaiodChild daemon, CancellationToken cancellation)
    {
        _daemon = daemon;
        _cancellation = cancellation;
    }

    /// <summary>paraiod, to manage further (vNICs, domains).</summary>
    public ParaiodChild Daemon => _daemon;

    /// <summary>Starts paraiod, both domains and both guests, and addresses their interfaces.</summary>
    public static ParaioNetStack Start(string directory, string prefix, CancellationToken cancellation)
    {
        var stack = StartDaemon(directory, cancellation);
        try
        {
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

    /// <summary>Starts paraiod alone (with <paramref name="settings"/> on its command line), for a caller that starts its own guests.</summary>
    public static ParaioNetStack StartDaemon(string directory, CancellationToken cancellation, params string[] settings) =>
        new(ParaiodChild.Start(directory, cancellation, settings), cancellation);

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

    /// <summary>
    /// Creates domain <paramref name="name"/> with one vif (<paramref name="device"/>: the whole
    /// device), starts its guest with the vif's TAP in a new namespace <paramref name="ns"/>
    /// and gives the TAP <paramref name="address"/>/24; the stack disposes of all of it.
    /// </summary>
    public void StartGuest(string name, string ns, string address, string device = "vif,bridge=br0")
    {
        var token = _daemon.CreateDomain(name, "--device", device);
        HostCommand.Ip(_cancellation, "netns", "add", ns);
        _namespaces.Add(ns);
        HostCommand.Ip(_cancellation, "-n", ns, "link", "set", "lo", "up");
        var guest = _daemon.StartGuest(name, token, "--netns", ns);
        _guests.Add(guest);
        using var vif = _daemon.WaitForEvent(guest, "vif", type: null, "the TAP interface of vif 0");
        var root = vif.RootElement;
        var iface = root.GetProperty("interface").GetString() ?? throw new InvalidDataException($"The vif event names no interface: {root}");
        HostCommand.Ip(_cancellation, "-n", ns, "addr", "add", address + "/24", "dev", iface);
        HostCommand.Ip(_cancellation, "-n", ns, "link", "set", iface, "up");
        var offloads = root.TryGetProperty("offloads", out var o) ? $", offloads {o}" : string.Empty;
        var mtu = root.TryGetProperty("mtu", out var m) ? $", mtu {m}" : string.Empty;
        _vifs.Add($"{name}: {iface} in {ns}{mtu}{offloads}");
        ProgressLog.Write($"paraio: paraio-guest {guest.Id} ({name}) has {iface} in {ns} as {address}{mtu}{offloads}.");
    }
}
