using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;
using ParaIo.Tap.Namespaces;

namespace ParaIo.EndToEnd.Tests;

/// <summary>A guest of a <see cref="NetworkRig"/>: its process, its namespace, and its vif's interface there.</summary>
internal sealed record NetGuest(string Name, int DomainId, ChildProcess Process, NetworkNamespace Namespace, string Interface, string Mac, string Address)
{
    /// <summary>The guest's vif 0 port on the bridge.</summary>
    public string Port => $"vif{DomainId}.0";
}

/// <summary>
/// A real paraiod and guests, each paraio-guest in a network namespace of its own with its vif's
/// TAP given an address there. Needs root; everything made is torn down on dispose, on every path.
/// </summary>
internal sealed partial class NetworkRig : IAsyncDisposable
{
    private readonly List<NetGuest> _guests = [];
    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly string _subnet;

    private Paraiod? _daemon;

    private NetworkRig()
    {
        // A /24 of its own per rig, so rigs of tests that run at once never answer each other.
        _subnet = $"10.{RandomNumberGenerator.GetInt32(100, 250)}.{RandomNumberGenerator.GetInt32(1, 250)}";
    }

    public Paraiod Daemon => _daemon ?? throw new InvalidOperationException("paraiod is not started");

    /// <summary>Ends the test as skipped without root, TAP support or <c>ip</c>.</summary>
    public static void RequireRoot()
    {
        if (Environment.GetEnvironmentVariable("PARAIO_TESTS_AS_USER") == "1" || !Environment.IsPrivilegedProcess)
        {
            Assert.Inconclusive("needs root: TAP devices and network namespaces");
        }

        if (!File.Exists("/dev/net/tun"))
        {
            Assert.Inconclusive("needs /dev/net/tun (modprobe tun)");
        }

        ExternalTool.Require("ip", "iproute2");
        ExternalTool.Require("ping", "iputils-ping");
    }

    /// <summary>A rig with paraiod running.</summary>
    public static async Task<NetworkRig> StartAsync(params string[] paraiodArguments)
    {
        var rig = Create();
        await rig.StartDaemonAsync(paraiodArguments);
        return rig;
    }

    /// <summary>A rig without paraiod yet, for namespaces its configuration names.</summary>
    public static NetworkRig Create()
    {
        RequireRoot();
        return new NetworkRig();
    }

    public async Task StartDaemonAsync(params string[] paraiodArguments) => _daemon = await Paraiod.StartAsync("", paraiodArguments);

    /// <summary>An address of the rig's subnet: <c>10.x.y.<paramref name="host"/></c>.</summary>
    public string AddressOf(int host) => $"{_subnet}.{host.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A throwaway namespace, IPv6 off (so no router solicitations refresh the bridge's MAC table behind a test's back).</summary>
    public NetworkNamespace CreateNamespace()
    {
        var created = NetworkNamespace.CreateUnique("pnet");
        _namespaces.Add(created);
        foreach (var key in new[] { "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1" })
        {
            created.Execute("sysctl", "-qw", key);
        }

        return created;
    }

    /// <summary>
    /// Creates a domain with one vif (<paramref name="vifSettings"/> after <c>vif</c>), starts its
    /// guest in a new namespace, waits for the vif's interface and gives it <see cref="AddressOf"/>(<paramref name="host"/>)/24.
    /// </summary>
    public async Task<NetGuest> StartGuestAsync(string name, int host, string vifSettings = "")
    {
        var network = CreateNamespace();
        var (domid, token) = await Daemon.CreateDomainAsync(name, "vif" + vifSettings);
        var process = Daemon.StartGuest(name, token, "--netns", network.Name);
        var guest = new NetGuest(name, domid, process, network, "", "", AddressOf(host));
        _guests.Add(guest);
        var line = process.WaitForLine("\"event\":\"vif\"", Paraiod.Patience);
        using var vif = JsonDocument.Parse(line);
        var interfaceName = vif.RootElement.GetProperty("interface").GetString()!;
        Assert.AreEqual(network.Name, vif.RootElement.GetProperty("netns").GetString(), "the interface is in the guest's namespace");
        try
        {
            network.AddAddress(interfaceName, guest.Address + "/24");
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{e.Message}\nguest {name} (exited: {process.HasExited}):\n{process.Output}\nparaiod:\n{Daemon.Process.Output}", e);
        }

        guest = guest with { Interface = interfaceName, Mac = vif.RootElement.GetProperty("mac").GetString()! };
        _guests[^1] = guest;
        return guest;
    }

    /// <summary>Runs ping from <paramref name="from"/>'s namespace; exit code 0 when every echo came back.</summary>
    public static Task<ToolResult> PingAsync(NetworkNamespace from, string address, int count = 3) =>
        ExternalTool.RunAsync("ip", "netns", "exec", from.Name, "ping", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1", address);

    /// <summary>The average round trip ping printed, in milliseconds.</summary>
    public static double AverageRtt(ToolResult ping)
    {
        var match = RttLine().Match(ping.Stdout);
        Assert.IsTrue(match.Success, ping.ToString());
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>paraiod's view of a bridge (<c>bridge-show</c>).</summary>
    public Task<JsonElement> ShowBridgeAsync(string bridge = "br0") => Daemon.ControlAsync("bridge-show", bridge);

    public async ValueTask DisposeAsync()
    {
        foreach (var guest in _guests)
        {
            guest.Process.Dispose();
        }

        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }

        List<Exception>? failures = null;
        foreach (var network in _namespaces)
        {
            try
            {
                network.Dispose();
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("deleting the test namespaces failed", failures);
        }
    }

    [GeneratedRegex(@"rtt min/avg/max/mdev = [0-9.]+/([0-9.]+)/")]
    private static partial Regex RttLine();
}
