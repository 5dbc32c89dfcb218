using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>Frames are sorted into a vNIC's classes by TCP/UDP port; everything without a port goes to the default class.</summary>
[TestClass]
public sealed class TrafficClassifierTests
{
    private const int Sap = 0;
    private const int Exchange = 1;
    private const int Dns = 3;
    private const int Backup = 2;

    private static TrafficClassifier Fig4() => new(
        defaultClass: Backup,
        [
            new TrafficClassRule(3200, 3299, TrafficProtocols.Tcp, Sap),
            new TrafficClassRule(135, TrafficProtocols.TcpOrUdp, Exchange),
            new TrafficClassRule(53, TrafficProtocols.Udp, Dns),
        ]);

    [TestMethod]
    public void IPv4TcpByDestinationPort() => Assert.AreEqual(Sap, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3201)));

    [TestMethod]
    public void IPv4TcpBySourcePort() => Assert.AreEqual(Sap, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 3299, 40000)));

    [TestMethod]
    public void IPv4UdpMatchesAUdpRule() => Assert.AreEqual(Dns, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Udp, 40000, 53)));

    [TestMethod]
    public void TcpDoesNotMatchAUdpOnlyRule() => Assert.AreEqual(Backup, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 53)));

    [TestMethod]
    public void UdpDoesNotMatchATcpOnlyRule() => Assert.AreEqual(Backup, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Udp, 40000, 3250)));

    [TestMethod]
    public void PortsJustOutsideARangeDoNotMatch()
    {
        var classifier = Fig4();
        Assert.AreEqual(Backup, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3199)));
        Assert.AreEqual(Backup, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3300)));
    }

    [TestMethod]
    public void IPv4WithOptionsFindsTheTransportHeader() =>
        Assert.AreEqual(Exchange, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 135, 40000, options: 8)));

    [TestMethod]
    public void IPv6TcpAndUdp()
    {
        var classifier = Fig4();
        Assert.AreEqual(Sap, classifier.Classify(FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210)));
        Assert.AreEqual(Exchange, classifier.Classify(FrameBuilder.IPv6(TrafficProtocols.Udp, 135, 40000)));
    }

    [TestMethod]
    [DataRow((byte)0)]
    [DataRow((byte)43)]
    [DataRow((byte)60)]
    [DataRow((byte)51)]
    public void IPv6ExtensionHeadersAreSkipped(byte extension) =>
        Assert.AreEqual(Sap, Fig4().Classify(FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210, extensionTypes: [extension])));

    [TestMethod]
    public void IPv6ChainOfExtensionHeadersIsSkipped() =>
        Assert.AreEqual(Sap, Fig4().Classify(FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210, extensionTypes: [0, 60, 43, 51, 60])));

    [TestMethod]
    public void VlanTaggedFrames()
    {
        var classifier = Fig4();
        Assert.AreEqual(Sap, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3210, vlans: [100])));
        Assert.AreEqual(Sap, classifier.Classify(FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210, vlans: [100])));
        Assert.AreEqual(Exchange, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Udp, 40000, 135, vlans: [10, 20])));
        Assert.AreEqual(Exchange, classifier.Classify(FrameBuilder.IPv6(TrafficProtocols.Udp, 40000, 135, vlans: [10, 20])));
    }

    [TestMethod]
    [DataRow((ushort)0x2000, DisplayName = "first fragment (more fragments)")]
    [DataRow((ushort)0x0010, DisplayName = "last fragment")]
    [DataRow((ushort)0x2010, DisplayName = "middle fragment")]
    public void IPv4FragmentsGoToTheDefaultClass(ushort fragment) =>
        Assert.AreEqual(Backup, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3210, fragment: fragment)));

    [TestMethod]
    public void IPv4DontFragmentIsNotAFragment() =>
        Assert.AreEqual(Sap, Fig4().Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3210, fragment: 0x4000)));

    [TestMethod]
    public void IPv6FragmentsGoToTheDefaultClass() =>
        Assert.AreEqual(Backup, Fig4().Classify(FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210, extensionTypes: [0, 44])));

    [TestMethod]
    public void FramesWithoutPortsGoToTheDefaultClass()
    {
        var classifier = Fig4();
        Assert.AreEqual(Backup, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 135, 135, ipProtocol: 1)), "ICMP");
        Assert.AreEqual(Backup, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 135, 135, ipProtocol: 132)), "SCTP");
        Assert.AreEqual(Backup, classifier.Classify(FrameBuilder.Arp()), "ARP");
        Assert.AreEqual(Backup, classifier.Classify([]), "empty");
    }

    [TestMethod]
    public void TruncatedHeadersGoToTheDefaultClass()
    {
        var classifier = Fig4();
        foreach (var frame in new[] { FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3210), FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210, vlans: [5], extensionTypes: [0]) })
        {
            var full = frame.Length - 16; // the transport header's first 4 bytes end here
            Assert.AreEqual(Sap, classifier.Classify(frame.AsSpan(0, full)));
            for (var length = 0; length < full; length++)
            {
                Assert.AreEqual(Backup, classifier.Classify(frame.AsSpan(0, length)), $"cut at {length}");
            }
        }
    }

    [TestMethod]
    public void LyingLengthsStayInsideTheFrame()
    {
        var frame = FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 3210);
        frame[14] = 0x4F; // IHL 60 bytes, past the end
        Assert.AreEqual(Backup, Fig4().Classify(frame));
        frame[14] = 0x44; // IHL 16 bytes, shorter than the fixed header
        Assert.AreEqual(Backup, Fig4().Classify(frame));

        var v6 = FrameBuilder.IPv6(TrafficProtocols.Tcp, 40000, 3210, extensionTypes: [0]);
        v6[14 + 40 + 1] = 255; // extension header claiming 2 KiB
        Assert.AreEqual(Backup, Fig4().Classify(v6));
    }

    [TestMethod]
    public void FirstMatchingRuleWins()
    {
        var classifier = new TrafficClassifier(9, [new TrafficClassRule(1, 1000, TrafficProtocols.Tcp, 1), new TrafficClassRule(80, TrafficProtocols.Tcp, 2)]);
        Assert.AreEqual(1, classifier.Classify(FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 80)));
    }

    [TestMethod]
    public void RulesChangeLive()
    {
        var classifier = Fig4();
        var frame = FrameBuilder.IPv4(TrafficProtocols.Tcp, 40000, 8080);
        Assert.AreEqual(Backup, classifier.Classify(frame));
        classifier.SetRules([.. classifier.Rules, new TrafficClassRule(8080, TrafficProtocols.Tcp, Sap)]);
        Assert.AreEqual(Sap, classifier.Classify(frame));
    }

    [TestMethod]
    public void ReadsPorts()
    {
        Assert.IsTrue(TrafficClassifier.TryReadPorts(FrameBuilder.IPv6(TrafficProtocols.Udp, 1234, 5678, vlans: [7]), out var protocol, out var source, out var destination));
        Assert.AreEqual(TrafficProtocols.Udp, protocol);
        Assert.AreEqual(1234, source);
        Assert.AreEqual(5678, destination);
    }

    [TestMethod]
    public void BackwardRangeIsRefused() =>
        Assert.ThrowsExactly<ArgumentException>(() => new TrafficClassifier(0, [new TrafficClassRule(10, 5, TrafficProtocols.Tcp, 1)]));
}
