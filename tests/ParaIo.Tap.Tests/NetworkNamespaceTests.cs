using System.Net;
using System.Net.Sockets;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.Namespaces;

namespace ParaIo.Tap.Tests;

/// <summary>The namespace plumbing the load test's baseline and paraio-guest stand on.</summary>
[TestClass]
public sealed class NetworkNamespaceTests : RootTestBed
{
    [TestMethod]
    public void ANamespaceExistsUntilDisposed()
    {
        var network = NetworkNamespace.CreateUnique("ptaptest");
        try
        {
            Assert.IsTrue(NetworkNamespace.Exists(network.Name));
            Assert.IsTrue(File.Exists(network.Path));
            var loopback = network.Execute("cat", "/sys/class/net/lo/flags");
            Assert.AreEqual(1, Convert.ToInt32(loopback.StandardOutput.Trim(), 16) & 1, "loopback is up");
        }
        finally
        {
            network.Dispose();
        }

        Assert.IsFalse(NetworkNamespace.Exists(network.Name));
    }

    [TestMethod]
    public void AnAttachedNamespaceIsNotDeletedOnDispose()
    {
        var network = NewNamespace();
        NetworkNamespace.Attach(network.Name).Dispose();
        Assert.IsTrue(NetworkNamespace.Exists(network.Name));
        Assert.ThrowsExactly<InvalidOperationException>(() => NetworkNamespace.Attach(network.Name + "-missing"));
    }

    [TestMethod]
    public void ExecuteRunsInsideTheNamespace()
    {
        var network = NewNamespace();
        network.CreateBridge("br9");
        Assert.IsTrue(network.Execute("test", "-d", "/sys/class/net/br9").Succeeded);
        Assert.IsFalse(Directory.Exists("/sys/class/net/br9"), "the bridge is not in the host namespace");
        Assert.AreEqual(3, network.Execute("sh", "-c", "exit 3").ExitCode);
    }

    [TestMethod]
    public async Task TwoNamespacesTalkTcpThroughABridgeOfVethPairs()
    {
        var left = NewNamespace();
        var right = NewNamespace();
        var switchboard = NewNamespace();
        switchboard.CreateBridge("br0");
        switchboard.CreateVethPair("to-left", "eth0", left);
        switchboard.CreateVethPair("to-right", "eth0", right);
        switchboard.AttachToBridge("to-left", "br0");
        switchboard.AttachToBridge("to-right", "br0");
        left.AddAddress("eth0", "10.98.0.1/24");
        right.AddAddress("eth0", "10.98.0.2/24");

        var ports = switchboard.Execute("ls", "/sys/class/net/br0/brif");
        Assert.AreEqual("to-left\nto-right\n", ports.StandardOutput);

        var listener = Track(right.Invoke(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("10.98.0.2"), 7070));
            socket.Listen();
            return socket;
        }));
        var client = Track(left.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)));

        await client.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.98.0.2"), 7070), Deadline());
        var server = Track(await listener.AcceptAsync(Deadline()));
        await client.SendAsync("across the bridge"u8.ToArray(), SocketFlags.None, Deadline());
        var buffer = new byte[64];
        var received = await server.ReceiveAsync(buffer, SocketFlags.None, Deadline());

        Assert.AreEqual("across the bridge", System.Text.Encoding.ASCII.GetString(buffer, 0, received));
        Assert.AreEqual(IPAddress.Parse("10.98.0.1"), ((IPEndPoint)server.RemoteEndPoint!).Address);
    }
}
