using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Nbd.Tests;
using ParaIo.Tap.Namespaces;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// paraiod's VXLAN uplinks with real processes: one from the configuration that checks what the
/// wire sends it, the control command's refusals, and (as root) a guest that reaches a Linux
/// <c>vxlan</c> interface in another namespace, ping both ways and a checked TCP transfer across.
/// </summary>
[TestClass]
public sealed class NetworkVxlanTests
{
    private const int Vni = 42;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AConfiguredVxlanUplinkJoinsTheBridgeAndCountsWhatItDrops()
    {
        var (local, remote) = (FreeUdpPort(), FreeUdpPort());
        await using var daemon = await Paraiod.StartAsync(
            "",
            "--Paraiod:Bridges:0:Name=br0",
            "--Paraiod:Bridges:0:Uplinks:0:Vxlan:Name=vx0",
            $"--Paraiod:Bridges:0:Uplinks:0:Vxlan:Vni={Vni}",
            $"--Paraiod:Bridges:0:Uplinks:0:Vxlan:Remote=127.0.0.1:{remote}",
            $"--Paraiod:Bridges:0:Uplinks:0:Vxlan:Local=127.0.0.1:{local}");

        var uplink = await UplinkAsync(daemon, "vx0");
        Assert.AreEqual("uplink", uplink.GetProperty("kind").GetString());
        Assert.AreEqual("vxlan", uplink.GetProperty("type").GetString());
        Assert.AreEqual(Vni, uplink.GetProperty("vni").GetInt32());
        Assert.AreEqual($"127.0.0.1:{local}", uplink.GetProperty("local").GetString());
        Assert.AreEqual($"127.0.0.1:{remote}", uplink.GetProperty("remote").GetString());

        // A datagram of another VNI from the remote's address, and a good one from another address.
        using var wire = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        wire.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        var target = new IPEndPoint(IPAddress.Loopback, local);
        wire.SendTo(Datagram(Vni + 1), target);
        stranger.SendTo(Datagram(Vni), target);
        wire.SendTo(Datagram(Vni), target);

        var deadline = DateTime.UtcNow + Paraiod.Patience;
        // The datagrams are taken in order, and a good one is counted as a frame last of all.
        while ((uplink = await UplinkAsync(daemon, "vx0")).GetProperty("rxFrames").GetInt64() < 1)
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, "the good datagram never reached the bridge: " + uplink);
            await Task.Delay(50);
        }

        var drops = uplink.GetProperty("drops");
        Assert.AreEqual(1, drops.GetProperty("foreignVni").GetInt64(), uplink.ToString());
        Assert.AreEqual(1, drops.GetProperty("foreignSource").GetInt64(), uplink.ToString());
        Assert.AreEqual(1, uplink.GetProperty("rxFrames").GetInt64(), "only the good frame entered the bridge");
    }

    [TestMethod]
    public async Task BadVxlanUplinksAreRefusedWithTheReasonAndARemovedOneFreesItsPort()
    {
        var local = FreeUdpPort();
        await using var daemon = await Paraiod.StartAsync();

        await Refused(daemon, "EINVAL", "is not a VNI (0..16777215)", "vx0", "vxlan", "16777216", "10.9.0.2");
        await Refused(daemon, "EINVAL", "is not a VNI", "vx0", "vxlan", "-1", "10.9.0.2");
        await Refused(daemon, "EINVAL", "is not a remote VTEP", "vx0", "vxlan", "42", "10.9.0");
        await Refused(daemon, "EINVAL", "not a UDP port", "vx0", "vxlan", "42", "10.9.0.2:99999");
        await Refused(daemon, "EINVAL", "is not a local endpoint", "vx0", "vxlan", "42", "10.9.0.2", "localhost:4789");
        await Refused(daemon, "EINVAL", "multicast", "vx0", "vxlan", "42", "239.1.1.1");
        await Refused(daemon, "EINVAL", "different address families", "vx0", "vxlan", "42", "10.9.0.2", "[::1]:4789");

        var added = await daemon.ControlAsync("bridge-uplink-add", "br0", "vx0", "vxlan", "42", "127.0.0.1:4789", $"127.0.0.1:{local}", "10");
        Assert.AreEqual("vxlan", added.GetProperty("type").GetString());
        Assert.AreEqual("access 10", added.GetProperty("vlan").GetString());
        await Refused(daemon, "EADDRINUSE", $"cannot bind 127.0.0.1:{local}: the UDP port is in use", "vx1", "vxlan", "42", "127.0.0.1", $"127.0.0.1:{local}");
        await Refused(daemon, "EBUSY", "has a port named vx0 already", "vx0", "vxlan", "42", "127.0.0.1", "127.0.0.1:0");

        var removed = await daemon.ControlAsync("bridge-uplink-remove", "br0", "vx0");
        Assert.AreEqual("vx0", removed.GetProperty("port").GetString());
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        again.Bind(new IPEndPoint(IPAddress.Loopback, local)); // the uplink's socket is closed
    }

    [TestMethod]
    public async Task AGuestReachesALinuxVxlanInterfaceInAnotherNamespaceAndTcpCrossesIntact()
    {
        await using var rig = await NetworkRig.StartAsync();
        var guest = await rig.StartGuestAsync("web", 1);
        var peer = rig.CreateNamespace();

        // The underlay: a veth pair from paraiod's (the root) namespace to the peer's, on a /30 of its own.
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var underlay = $"10.{RandomNumberGenerator.GetInt32(250, 254)}.{RandomNumberGenerator.GetInt32(1, 255)}.{4 * RandomNumberGenerator.GetInt32(0, 63)}";
        var (ours, theirs) = (Host(underlay, 1), Host(underlay, 2));
        var veth = "pvx" + suffix;
        var port = "vx" + suffix;
        try
        {
            // Room for a full 1500-byte inner packet plus the 50 bytes of outer headers: no fragments.
            await IpAsync("link", "add", veth, "mtu", "1550", "type", "veth", "peer", "name", "under0", "mtu", "1550", "netns", peer.Name);
            await IpAsync("address", "add", ours + "/30", "dev", veth);
            await IpAsync("link", "set", veth, "up");
            peer.AddAddress("under0", theirs + "/30");
            peer.SetLinkUp("under0");

            // The Linux VTEP, the way an operator makes one.
            await IpAsync("-n", peer.Name, "link", "add", "vx0", "type", "vxlan", "id", Vni.ToString(CultureInfo.InvariantCulture), "remote", ours, "local", theirs, "dstport", "4789", "dev", "under0");
            await IpAsync("-n", peer.Name, "link", "set", "vx0", "mtu", "1500");
            TransmitChecksum.TurnOff(peer, "vx0");
            peer.AddAddress("vx0", rig.AddressOf(100) + "/24");
            peer.SetLinkUp("vx0");

            var added = await rig.Daemon.ControlAsync("bridge-uplink-add", "br0", port, "vxlan", Vni.ToString(CultureInfo.InvariantCulture), theirs, ours + ":4789");
            Assert.AreEqual($"{ours}:4789", added.GetProperty("local").GetString());
            Assert.AreEqual($"{theirs}:4789", added.GetProperty("remote").GetString());

            var there = await NetworkRig.PingAsync(guest.Namespace, rig.AddressOf(100), count: 5);
            Assert.AreEqual(0, there.ExitCode, there.ToString());
            var back = await NetworkRig.PingAsync(peer, guest.Address, count: 5);
            Assert.AreEqual(0, back.ExitCode, back.ToString());
            TestContext.WriteLine($"ping guest -> Linux vxlan: avg RTT {NetworkRig.AverageRtt(there):0.###} ms; back: {NetworkRig.AverageRtt(back):0.###} ms");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await TransferAsync(guest.Namespace, peer, IPAddress.Parse(rig.AddressOf(100)), 8 << 20);
            TestContext.WriteLine($"8 MiB each way over TCP across the tunnel in {clock.Elapsed.TotalSeconds:0.00} s, both checked by SHA-256");

            var uplink = (await rig.ShowBridgeAsync()).GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == port);
            TestContext.WriteLine("uplink: " + uplink);
            Assert.IsTrue(uplink.GetProperty("segmented").GetInt64() > 0, "the guest's TSO frames were segmented in paraiod: " + uplink);
            Assert.AreEqual(0, uplink.GetProperty("drops").EnumerateObject().Sum(d => d.Value.GetInt64()), "nothing the Linux VTEP sent was dropped: " + uplink);
            Assert.AreEqual(0, uplink.GetProperty("unsupported").GetInt64() + uplink.GetProperty("sendErrors").GetInt64(), uplink.ToString());

            await rig.Daemon.ControlAsync("bridge-uplink-remove", "br0", port);
            var after = await NetworkRig.PingAsync(guest.Namespace, rig.AddressOf(100), count: 2);
            Assert.AreNotEqual(0, after.ExitCode, "nothing answers once the uplink is gone");
        }
        finally
        {
            // Deleting the peer namespace (the rig does) takes the pair with it; this covers a failure before the pair moved there.
            await ExternalTool.RunAsync("ip", "link", "del", veth);
        }
    }

    /// <summary>
    /// Moves <paramref name="bytes"/> random bytes each way at once over one TCP connection from a
    /// socket in <paramref name="client"/> to one in <paramref name="server"/>, and checks both arrived unchanged.
    /// </summary>
    private static async Task TransferAsync(NetworkNamespace client, NetworkNamespace server, IPAddress serverAddress, int bytes)
    {
        // A socket belongs to the namespace it was made in, whichever thread uses it later.
        using var listener = server.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Any, 0));
        listener.Listen(1);
        using var connecting = client.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var accepting = listener.AcceptAsync(deadline.Token);
        await connecting.ConnectAsync(new IPEndPoint(serverAddress, ((IPEndPoint)listener.LocalEndPoint!).Port), deadline.Token);
        using var accepted = await accepting;

        var up = RandomNumberGenerator.GetBytes(bytes);
        var down = RandomNumberGenerator.GetBytes(bytes);
        var sent = Task.WhenAll(SendAsync(connecting, up, deadline.Token), SendAsync(accepted, down, deadline.Token));
        var receivedUp = ReceiveAsync(accepted, bytes, deadline.Token);
        var receivedDown = ReceiveAsync(connecting, bytes, deadline.Token);
        await Task.WhenAll(sent, receivedUp, receivedDown);

        Assert.AreEqual(Convert.ToHexString(SHA256.HashData(up)), Convert.ToHexString(SHA256.HashData(await receivedUp)), "guest -> Linux VTEP");
        Assert.AreEqual(Convert.ToHexString(SHA256.HashData(down)), Convert.ToHexString(SHA256.HashData(await receivedDown)), "Linux VTEP -> guest");
    }

    private static async Task SendAsync(Socket socket, byte[] data, CancellationToken cancellation)
    {
        for (var offset = 0; offset < data.Length;)
        {
            offset += await socket.SendAsync(data.AsMemory(offset), SocketFlags.None, cancellation);
        }
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int length, CancellationToken cancellation)
    {
        var data = new byte[length];
        for (var offset = 0; offset < length;)
        {
            var n = await socket.ReceiveAsync(data.AsMemory(offset), SocketFlags.None, cancellation);
            Assert.AreNotEqual(0, n, $"the connection closed after {offset} of {length} bytes");
            offset += n;
        }

        return data;
    }

    private static async Task<JsonElement> UplinkAsync(Paraiod daemon, string name) =>
        (await daemon.ControlAsync("bridge-show", "br0")).GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);

    private static async Task Refused(Paraiod daemon, string error, string message, params string[] arguments)
    {
        var refused = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => daemon.ControlAsync(["bridge-uplink-add", "br0", .. arguments]));
        StringAssert.StartsWith(refused.Message, error + ":");
        StringAssert.Contains(refused.Message, message);
    }

    private static async Task IpAsync(params string[] arguments)
    {
        var result = await ExternalTool.RunAsync("ip", arguments);
        Assert.AreEqual(0, result.ExitCode, $"ip {string.Join(' ', arguments)}: {result}");
    }

    private static string Host(string network, int host)
    {
        var parts = network.Split('.');
        return $"{parts[0]}.{parts[1]}.{parts[2]}.{int.Parse(parts[3], CultureInfo.InvariantCulture) + host}";
    }

    /// <summary>A VXLAN datagram of <paramref name="vni"/> around a broadcast frame.</summary>
    private static byte[] Datagram(int vni)
    {
        var datagram = new byte[8 + 60];
        datagram[0] = 0x08;
        datagram[4] = (byte)(vni >> 16);
        datagram[5] = (byte)(vni >> 8);
        datagram[6] = (byte)vni;
        datagram.AsSpan(8, 6).Fill(0xFF);
        datagram[8 + 6] = 0x02;
        return datagram;
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
