using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.Devices;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Tests;

/// <summary>
/// With offloads on, a TCP sender in the namespace hands the TAP unsegmented, partially checksummed
/// super-frames; with them off, every frame is finished and fits the MTU. The test plays the TCP
/// peer at 10.99.0.2 by hand: it answers the SYN and never acknowledges data, so the kernel sends
/// exactly its initial window.
/// </summary>
[TestClass]
public sealed class OffloadTests : RootTestBed
{
    private const ushort PeerPort = 5201;
    private const int MaxPlainFrame = TestFrames.EthernetHeaderLength + 1500;

    [TestMethod]
    public async Task WithTsoTheKernelSendsOneTcpV4SuperFrameLargerThanTheMtu()
    {
        var segments = await SendIntoTheTap(TapOffloads.Standard);

        var super = segments.FirstOrDefault(s => s.Frame.Length > MaxPlainFrame);
        Assert.IsNotNull(super.Frame, $"no frame above the MTU among {segments.Count}: {string.Join(", ", segments.Select(s => s.Frame.Length))}");
        Assert.AreEqual(VirtioNetGsoType.TcpV4, super.Header.GsoType);
        Assert.IsTrue(super.Header.GsoSize is > 0 and <= 1460, $"gso_size {super.Header.GsoSize} is an MSS");
        Assert.IsTrue(TestFrames.TcpPayloadLength(super.Frame) > super.Header.GsoSize, "more than one segment's payload");
        Assert.AreEqual(VirtioNetHeaderFlags.NeedsChecksum, super.Header.Flags);
        Assert.AreEqual(TestFrames.EthernetHeaderLength + 20, super.Header.ChecksumStart, "checksum starts at the TCP header");
        Assert.AreEqual(16, super.Header.ChecksumOffset, "the TCP checksum field");
    }

    [TestMethod]
    public async Task WithChecksumOffloadTheTcpChecksumIsLeftPartial()
    {
        var segments = await SendIntoTheTap(TapOffloads.Checksum);

        Assert.IsTrue(segments.All(s => s.Frame.Length <= MaxPlainFrame && !s.Header.IsGso), "without TSO nothing exceeds the MTU");
        Assert.IsTrue(segments.All(s => s.Header.Flags == VirtioNetHeaderFlags.NeedsChecksum), "every TCP frame carries a partial checksum");
        var (header, frame) = segments[0];
        Assert.AreEqual(34, header.ChecksumStart);
        Assert.AreEqual(16, header.ChecksumOffset);

        // A partial checksum field holds the folded pseudo-header sum; finishing it as the header
        // says (sum from csum_start, store at +csum_offset) gives a segment that verifies.
        var pseudo = PseudoHeaderSum(frame);
        var field = frame.AsSpan(header.ChecksumStart + header.ChecksumOffset, 2);
        Assert.AreEqual((ushort)~TestFrames.Checksum([], pseudo), BinaryPrimitives.ReadUInt16BigEndian(field), "csum field holds the pseudo-header sum");
        BinaryPrimitives.WriteUInt16BigEndian(field, TestFrames.Checksum(frame.AsSpan(header.ChecksumStart), 0));
        Assert.AreEqual(0, TestFrames.Checksum(TestFrames.IpPayload(frame), pseudo), "the finished segment verifies");
    }

    [TestMethod]
    public async Task WithoutOffloadsEveryFrameIsFinishedAndFitsTheMtu()
    {
        var segments = await SendIntoTheTap(TapOffloads.None);

        Assert.IsTrue(segments.Count >= 2, "the initial window spans several frames");
        foreach (var (header, frame) in segments)
        {
            Assert.AreEqual(default, header);
            Assert.IsTrue(frame.Length <= MaxPlainFrame, $"{frame.Length} bytes fits the MTU");
            Assert.AreEqual(0, TestFrames.Checksum(TestFrames.IpPayload(frame), PseudoHeaderSum(frame)), "the kernel finished the checksum");
        }
    }

    [TestMethod]
    public async Task ATsoSuperFrameWrittenToTheTapReachesASocketInTheNamespaceWhole()
    {
        var (network, tap) = NewTapInNamespace(TapOffloads.Standard);
        network.AddNeighbor(tap.Name, TestFrames.PeerIp.ToString(), "02:00:5e:00:00:02");
        var listener = Track(network.Invoke(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(TestFrames.TapIp, 7000));
            socket.Listen();
            return socket;
        }));

        const ushort PeerSourcePort = 40000;
        const uint PeerSequence = 5000;
        await tap.WriteAsync(TestFrames.TcpSegment(PeerSourcePort, 7000, PeerSequence, 0, TestFrames.TcpSyn, window: 65535));
        var (_, synAck) = await NextFrameAsync(tap, (_, frame) => TestFrames.IsTcp(frame) && TestFrames.IpPayload(frame)[13] == (TestFrames.TcpSyn | TestFrames.TcpAck));
        var serverSequence = BinaryPrimitives.ReadUInt32BigEndian(TestFrames.IpPayload(synAck)[4..]);
        await tap.WriteAsync(TestFrames.TcpSegment(PeerSourcePort, 7000, PeerSequence + 1, serverSequence + 1, TestFrames.TcpAck, window: 65535));
        var server = Track(await listener.AcceptAsync(Deadline()));

        // Eight MSS in one frame, its checksum left partial: what a guest's TSO frame looks like.
        var payload = Enumerable.Range(0, 8 * 1460).Select(i => (byte)(i * 7)).ToArray();
        var super = TestFrames.TcpSegment(PeerSourcePort, 7000, PeerSequence + 1, serverSequence + 1, TestFrames.TcpAck | TestFrames.TcpPsh, 65535, payload, gsoSize: 1460);
        Assert.IsTrue(super.Length > VirtioNetHeader.Size + MaxPlainFrame);
        await tap.WriteAsync(super);

        var received = new byte[payload.Length];
        var total = 0;
        while (total < received.Length)
        {
            var count = await server.ReceiveAsync(received.AsMemory(total), SocketFlags.None, Deadline());
            Assert.AreNotEqual(0, count, "the connection stays open");
            total += count;
        }

        CollectionAssert.AreEqual(payload, received);
    }

    /// <summary>
    /// Connects a socket in the namespace to the hand-played peer, writes 256 KiB and collects the
    /// data-carrying TCP frames of the first flight, until 10 MSS worth or half a second of silence.
    /// </summary>
    private async Task<List<(VirtioNetHeader Header, byte[] Frame)>> SendIntoTheTap(TapOffloads offloads)
    {
        var (network, tap) = NewTapInNamespace(offloads);
        network.AddNeighbor(tap.Name, TestFrames.PeerIp.ToString(), "02:00:5e:00:00:02");
        var client = Track(network.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)));
        var connect = client.ConnectAsync(new IPEndPoint(TestFrames.PeerIp, PeerPort), Deadline()).AsTask();

        var (_, syn) = await NextFrameAsync(tap, (_, frame) => TestFrames.IsTcp(frame) && (TestFrames.IpPayload(frame)[13] & TestFrames.TcpSyn) != 0);
        var synTcp = TestFrames.IpPayload(syn);
        var clientPort = BinaryPrimitives.ReadUInt16BigEndian(synTcp);
        var clientSequence = BinaryPrimitives.ReadUInt32BigEndian(synTcp[4..]);
        const uint PeerSequence = 1_000_000;
        await tap.WriteAsync(TestFrames.TcpSegment(PeerPort, clientPort, PeerSequence, clientSequence + 1, TestFrames.TcpSyn | TestFrames.TcpAck, window: 65535));
        await connect;

        var send = client.SendAsync(new byte[256 * 1024], SocketFlags.None);
        var segments = new List<(VirtioNetHeader, byte[])>();
        var payload = 0;
        while (payload < 10 * 1460)
        {
            try
            {
                var segment = await NextFrameAsync(tap, (_, frame) => TestFrames.IsTcp(frame) && TestFrames.TcpPayloadLength(frame) > 0, timeoutMs: 500);
                segments.Add(segment);
                payload += TestFrames.TcpPayloadLength(segment.Frame);
            }
            catch (AssertFailedException) when (segments.Count > 0)
            {
                break;
            }
        }

        Assert.IsFalse(send.IsFaulted);
        return segments;
    }

    private static uint PseudoHeaderSum(byte[] frame)
    {
        var ip = frame.AsSpan(TestFrames.EthernetHeaderLength);
        var tcpLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]) - 20;
        uint sum = 0;
        for (var i = 12; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        }

        return sum + TestFrames.ProtocolTcp + (uint)tcpLength;
    }
}
