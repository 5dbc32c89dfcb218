using System.Net;
using System.Net.Sockets;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Uplinks;

namespace ParaIo.Net.Tests;

/// <summary>
/// Two bridges joined by VXLAN uplinks over loopback, in process: frames cross both ways, GSO frames
/// arrive as MSS-sized segments and blank checksums filled in, frames whose offloads cannot be
/// done and datagrams that break the rules are dropped and counted, and a port stops cleanly.
/// </summary>
[TestClass]
public sealed class VxlanTunnelTests
{
    private const int Vni = 42;

    [TestMethod]
    [DataRow("127.0.0.1", DisplayName = "over IPv4")]
    [DataRow("::1", DisplayName = "over IPv6")]
    public void FramesCrossTheTunnelBothWays(string loopback)
    {
        using var tunnel = Tunnel.Open(IPAddress.Parse(loopback));
        var toWest = Enumerable.Range(0, 20).Select(i => Frames.Build(Frames.Mac(2), Frames.Mac(1), 60 + (i * 70), i)).ToArray();
        var toEast = Enumerable.Range(0, 20).Select(i => Frames.Build(Frames.Mac(1), Frames.Mac(2), 1514 - (i * 70), 100 + i)).ToArray();

        foreach (var frame in toWest)
        {
            tunnel.EastStation.Inject(frame, split: 20);
        }

        foreach (var frame in toEast)
        {
            tunnel.WestStation.Inject(frame);
        }

        var west = Take(tunnel.WestStation, toWest.Length);
        var east = Take(tunnel.EastStation, toEast.Length);
        for (var i = 0; i < toWest.Length; i++)
        {
            CollectionAssert.AreEqual(toWest[i], west[i], $"frame {i} east -> west");
            CollectionAssert.AreEqual(toEast[i], east[i], $"frame {i} west -> east");
        }

        Assert.AreEqual(20, tunnel.East.Tunnel.TxDatagrams);
        Assert.AreEqual(toWest.Sum(f => f.Length + VxlanHeader.Length), tunnel.East.Tunnel.TxBytes);
        Assert.AreEqual(20, tunnel.West.Tunnel.RxDatagrams);
        Assert.AreEqual(20, tunnel.West.Counters.RxFrames, "the west bridge counts what its uplink brought in");
        Assert.AreEqual(20, tunnel.East.Counters.TxFrames, "the east bridge counts what it handed its uplink");
        Assert.AreEqual(0, tunnel.West.Tunnel.Dropped + tunnel.East.Tunnel.Dropped);
        Assert.AreEqual(tunnel.East.LocalEndPoint, tunnel.West.Remote);
    }

    [TestMethod]
    [DataRow(false, 64000, 1448, DisplayName = "IPv4, 64000 bytes at MSS 1448")]
    [DataRow(true, 64000, 1428, DisplayName = "IPv6, 64000 bytes at MSS 1428")]
    [DataRow(false, 1448 * 4, 1448, DisplayName = "IPv4, exactly four segments")]
    public void AGsoTcpFrameArrivesAsMssSizedSegmentsWithValidChecksums(bool ipv6, int payloadLength, int mss)
    {
        using var tunnel = Tunnel.Open();
        var payload = Packets.Payload(payloadLength, payloadLength);
        const uint FirstSequence = 0xFFFF_F000; // wraps inside the frame
        var frame = Packets.Build(Frames.Mac(2), Frames.Mac(1), ipv6, Packets.Tcp, payload, FirstSequence, Packets.TcpAck | Packets.TcpPsh | Packets.TcpFin | Packets.TcpCwr);

        tunnel.EastStation.Inject(frame, split: 100, offload: new FrameOffload(true, false, ipv6 ? FrameGso.TcpV6 : FrameGso.TcpV4, (ushort)mss));

        var expected = (payloadLength + mss - 1) / mss;
        var segments = Take(tunnel.WestStation, expected);
        Assert.IsTrue(Waits.Until(() => tunnel.West.Tunnel.RxDatagrams == expected) && tunnel.WestStation.Received.IsEmpty, "no more than the segments arrive");
        var sequence = FirstSequence;
        var reassembled = new List<byte>();
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var data = Packets.TcpPayload(segment);
            Assert.IsTrue(Packets.ChecksumsAreValid(segment), $"segment {i}: checksums");
            Assert.AreEqual(i == segments.Length - 1 ? payloadLength - (i * mss) : mss, data.Length, $"segment {i}: payload length");
            Assert.AreEqual(segment.Length, 14 + Packets.IpLength(segment), $"segment {i}: the IP length is the frame's");
            Assert.AreEqual(sequence, Packets.TcpSequence(segment), $"segment {i}: sequence number");
            var flags = Packets.TcpFlags(segment);
            var last = i == segments.Length - 1;
            Assert.AreEqual(last, (flags & (Packets.TcpFin | Packets.TcpPsh)) == (Packets.TcpFin | Packets.TcpPsh), $"segment {i}: FIN and PSH only on the last");
            Assert.AreEqual(i == 0, (flags & Packets.TcpCwr) != 0, $"segment {i}: CWR only on the first");
            Assert.AreNotEqual(0, flags & Packets.TcpAck, $"segment {i}: ACK on every segment");
            if (!ipv6)
            {
                Assert.AreEqual((ushort)(0x1234 + i), Packets.IPv4Identification(segment), $"segment {i}: IPv4 identification");
            }

            sequence = unchecked(sequence + (uint)data.Length);
            reassembled.AddRange(data);
        }

        CollectionAssert.AreEqual(payload, reassembled.ToArray(), "the segments carry the payload in order");
        Assert.AreEqual(1, tunnel.East.Tunnel.Segmented);
        Assert.AreEqual(expected, tunnel.East.Tunnel.TxDatagrams);
        Assert.AreEqual(1, tunnel.East.Counters.TxFrames, "the bridge handed over one frame");
    }

    [TestMethod]
    [DataRow(false, Packets.Udp, 301)]
    [DataRow(true, Packets.Udp, 1000)]
    [DataRow(false, Packets.Tcp, 999)]
    [DataRow(true, Packets.Tcp, 1)]
    public void ABlankChecksumIsFilledInBeforeTheFrameLeaves(bool ipv6, byte protocol, int payloadLength)
    {
        using var tunnel = Tunnel.Open();
        var frame = Packets.Build(Frames.Mac(2), Frames.Mac(1), ipv6, protocol, Packets.Payload(payloadLength, 7));
        Assert.IsFalse(Packets.ChecksumsAreValid(frame), "the control: as sent, the checksum is blank");

        tunnel.EastStation.Inject(frame, offload: new FrameOffload(true, false, FrameGso.None, 0));

        var received = Take(tunnel.WestStation, 1)[0];
        Assert.IsTrue(Packets.ChecksumsAreValid(received));
        Assert.AreEqual(frame.Length, received.Length);
        Assert.AreEqual(1, tunnel.East.Tunnel.Checksummed);
    }

    [TestMethod]
    public void AChecksumOverEthernetPaddingCoversOnlyWhatTheIpHeaderSays()
    {
        using var tunnel = Tunnel.Open();
        var frame = Packets.Build(Frames.Mac(2), Frames.Mac(1), false, Packets.Udp, Packets.Payload(4, 3));
        byte[] padded = [.. frame, .. Enumerable.Repeat((byte)0x5A, 60 - frame.Length)];

        tunnel.EastStation.Inject(padded, offload: new FrameOffload(true, false, FrameGso.None, 0));

        var received = Take(tunnel.WestStation, 1)[0];
        Assert.AreEqual(60, received.Length);
        Assert.IsTrue(Packets.ChecksumsAreValid(received));
    }

    [TestMethod]
    public void FramesWhoseOffloadsCannotBeDoneInSoftwareAreDroppedAndCounted()
    {
        using var tunnel = Tunnel.Open();
        var tcp4 = Packets.Build(Frames.Mac(2), Frames.Mac(1), false, Packets.Tcp, Packets.Payload(5000, 1));
        var udp4 = Packets.Build(Frames.Mac(2), Frames.Mac(1), false, Packets.Udp, Packets.Payload(5000, 1));
        var fragment = (byte[])tcp4.Clone();
        fragment[14 + 6] |= 0x20; // more fragments

        tunnel.EastStation.Inject(Frames.Build(Frames.Mac(2), Frames.Mac(1), 100, 1), offload: new FrameOffload(true, false, FrameGso.None, 0)); // not IP
        tunnel.EastStation.Inject(udp4, offload: new FrameOffload(true, false, FrameGso.TcpV4, 1400)); // GSO of UDP
        tunnel.EastStation.Inject(tcp4, offload: new FrameOffload(true, false, FrameGso.TcpV6, 1400)); // the wrong IP version
        tunnel.EastStation.Inject(tcp4, offload: new FrameOffload(true, false, FrameGso.TcpV4, 10)); // one frame into 500 datagrams
        tunnel.EastStation.Inject(fragment, offload: new FrameOffload(true, false, FrameGso.None, 0)); // an IPv4 fragment
        tunnel.EastStation.Inject(tcp4, offload: new FrameOffload(true, false, FrameGso.TcpV4, 1400)); // the control: this one goes

        Assert.HasCount(4, Take(tunnel.WestStation, 4));
        Assert.AreEqual(5, tunnel.East.Tunnel.Unsupported);
        Assert.AreEqual(5, tunnel.East.Counters.TxDropped, "the bridge counts them as refused by the port");
        Assert.AreEqual(4, tunnel.East.Tunnel.TxDatagrams);
    }

    [TestMethod]
    public void DatagramsThatBreakTheRulesAreDroppedAndCountedByReason()
    {
        using var tunnel = Tunnel.Open();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        var west = new IPEndPoint(IPAddress.Loopback, tunnel.West.LocalEndPoint.Port);
        var frame = Frames.Build(Frames.Mac(1), Frames.Mac(3), 60, 9);
        var noFlag = VxlanHeaderTests.Datagram(Vni, 60);
        noFlag[0] = 0x80; // a reserved bit, no I

        stranger.SendTo([.. Header(Vni), .. frame], west);
        peer.SendTo(new byte[5], west);
        peer.SendTo(noFlag, west);
        peer.SendTo([.. Header(Vni + 1), .. frame], west);
        peer.SendTo([.. Header(Vni), .. frame.AsSpan(0, 13)], west);
        peer.SendTo(VxlanHeaderTests.Datagram(Vni, 1500 + 18 + 1), west);
        peer.SendTo([.. Header(Vni), .. frame], west); // the control: this one enters the west bridge

        CollectionAssert.AreEqual(frame, Take(tunnel.WestStation, 1)[0]);
        foreach (var reason in Enum.GetValues<VxlanDrop>())
        {
            Assert.AreEqual(1, tunnel.West.Tunnel.DroppedFor(reason), reason.ToString());
        }

        Assert.AreEqual(6, tunnel.West.Tunnel.Dropped);
        Assert.AreEqual(1, tunnel.West.Tunnel.RxDatagrams);
        Assert.AreEqual(1, tunnel.West.Counters.RxFrames, "only the good frame reached the bridge");
    }

    [TestMethod]
    public void DisposeEndsTheReceiverClosesTheSocketAndLeavesTheBridge()
    {
        var tunnel = Tunnel.Open();
        var endpoint = tunnel.West.LocalEndPoint;
        var bridge = tunnel.West.Bridge!;

        var disposed = Task.Run(tunnel.West.Dispose);

        Assert.IsTrue(disposed.Wait(Waits.Limit), "Dispose returned (its receiving thread joined)");
        Assert.IsFalse(bridge.Ports.Contains(tunnel.West));
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        again.Bind(endpoint); // the port's socket is closed: its endpoint is free
        tunnel.Dispose();
    }

    [TestMethod]
    public void AnEndpointInUseIsRefusedWithTheSocketsReason()
    {
        using var tunnel = Tunnel.Open();

        var error = Assert.ThrowsExactly<SocketException>(() => VxlanUplinkPort.Open(new VxlanUplinkOptions
        {
            Name = "vx9",
            Vni = Vni,
            Remote = tunnel.East.LocalEndPoint,
            Local = tunnel.West.LocalEndPoint,
        }));
        Assert.AreEqual(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [TestMethod]
    public void OptionsOutOfRangeAreRefusedNamingTheField()
    {
        var remote = new IPEndPoint(IPAddress.Parse("10.9.0.2"), 4789);
        StringAssert.Contains(Refused(new VxlanUplinkOptions { Name = "vx0", Vni = VxlanHeader.MaxVni + 1, Remote = remote }), "16777215");
        StringAssert.Contains(Refused(new VxlanUplinkOptions { Name = "vx0", Vni = -1, Remote = remote }), "VNI");
        StringAssert.Contains(Refused(new VxlanUplinkOptions { Name = "vx0", Vni = 1, Remote = new IPEndPoint(IPAddress.Parse("239.1.1.1"), 4789) }), "multicast");
        StringAssert.Contains(Refused(new VxlanUplinkOptions { Name = "vx0", Vni = 1, Remote = new IPEndPoint(IPAddress.Any, 4789) }), "unicast");
        StringAssert.Contains(Refused(new VxlanUplinkOptions { Name = "vx0", Vni = 1, Remote = new IPEndPoint(remote.Address, 0) }), "port");
        StringAssert.Contains(Refused(new VxlanUplinkOptions { Name = "vx0", Vni = 1, Remote = remote, Local = new IPEndPoint(IPAddress.IPv6Any, 4789) }), "families");

        static string Refused(VxlanUplinkOptions options) => Assert.Throws<ArgumentException>(options.Validate).Message;
    }

    [TestMethod]
    [DataRow("10.9.0.2", "10.9.0.2:4789")]
    [DataRow("10.9.0.2:5000", "10.9.0.2:5000")]
    [DataRow("0.0.0.0:0", "0.0.0.0:0")]
    [DataRow("2001:db8::2", "[2001:db8::2]:4789")]
    [DataRow("[2001:db8::2]", "[2001:db8::2]:4789")]
    [DataRow("[2001:db8::2]:4790", "[2001:db8::2]:4790")]
    public void EndpointsParseWithThePortOptional(string text, string expected) =>
        Assert.AreEqual(expected, VxlanUplinkOptions.ParseEndPoint(text, VxlanHeader.DefaultPort, "remote VTEP").ToString());

    [TestMethod]
    [DataRow("10.9.0")]
    [DataRow("vtep.example:4789")]
    [DataRow("10.9.0.2:65536")]
    [DataRow("10.9.0.2:")]
    [DataRow("10.9.0.2:-1")]
    [DataRow("[2001:db8::2]4789")]
    [DataRow("fe80::1%eth0")]
    [DataRow("")]
    public void MalformedEndpointsAreRefused(string text)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => VxlanUplinkOptions.ParseEndPoint(text, VxlanHeader.DefaultPort, "remote VTEP"));
        StringAssert.Contains(error.Message, "remote VTEP");
    }

    /// <summary>Waits for <paramref name="count"/> frames at <paramref name="station"/>: they arrive on the uplink's receiving thread.</summary>
    private static byte[][] Take(CapturePort station, int count)
    {
        var frames = new List<byte[]>();
        Assert.IsTrue(
            Waits.Until(() =>
            {
                while (frames.Count < count && station.Received.TryDequeue(out var item))
                {
                    frames.Add(item.Bytes);
                }

                return frames.Count == count;
            }),
            $"{frames.Count} of {count} frames arrived");
        return [.. frames];
    }

    private static byte[] Header(int vni)
    {
        var header = new byte[VxlanHeader.Length];
        VxlanHeader.ForVni(vni).Write(header);
        return header;
    }

    /// <summary>Bridges east and west, a station (capture port) on each, and a VXLAN uplink on each pointing at the other over loopback.</summary>
    private sealed class Tunnel : IDisposable
    {
        private readonly BridgeUplinks _uplinks;

        private Tunnel(BridgeUplinks uplinks, VxlanUplinkPort east, VxlanUplinkPort west, CapturePort eastStation, CapturePort westStation)
        {
            _uplinks = uplinks;
            East = east;
            West = west;
            EastStation = eastStation;
            WestStation = westStation;
        }

        public VxlanUplinkPort East { get; }

        public VxlanUplinkPort West { get; }

        public CapturePort EastStation { get; }

        public CapturePort WestStation { get; }

        public static Tunnel Open(IPAddress? loopback = null)
        {
            loopback ??= IPAddress.Loopback;
            var uplinks = new BridgeUplinks(new BridgeTable());
            try
            {
                // Two free ports: each end must know the other's before it binds its own.
                var (eastPort, westPort) = FreePorts(loopback);
                var east = uplinks.Add("east", Options("vx-east", loopback, eastPort, westPort));
                var west = uplinks.Add("west", Options("vx-west", loopback, westPort, eastPort));
                var eastStation = new CapturePort("east0");
                var westStation = new CapturePort("west0");
                uplinks.Bridges.GetOrCreate("east").AddPort(eastStation);
                uplinks.Bridges.GetOrCreate("west").AddPort(westStation);
                return new Tunnel(uplinks, east, west, eastStation, westStation);
            }
            catch
            {
                uplinks.Dispose();
                throw;
            }
        }

        public void Dispose() => _uplinks.Dispose();

        private static VxlanUplinkOptions Options(string name, IPAddress loopback, int local, int remote) => new()
        {
            Name = name,
            Vni = Vni,
            Local = new IPEndPoint(loopback, local),
            Remote = new IPEndPoint(loopback, remote),
        };

        private static (int, int) FreePorts(IPAddress loopback)
        {
            using var a = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            using var b = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            a.Bind(new IPEndPoint(loopback, 0));
            b.Bind(new IPEndPoint(loopback, 0));
            return (((IPEndPoint)a.LocalEndPoint!).Port, ((IPEndPoint)b.LocalEndPoint!).Port);
        }
    }
}
