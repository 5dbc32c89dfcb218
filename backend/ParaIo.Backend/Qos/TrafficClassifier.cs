using System.Buffers.Binary;

namespace ParaIo.Backend.Qos;

/// <summary>
/// Sorts a vNIC's frames into its traffic classes by TCP or UDP port, source or destination, for
/// IPv4 and IPv6 over Ethernet with up to two VLAN tags. Anything else — ARP, ICMP, fragments
/// (so that all pieces of a datagram stay in one class and in order), truncated headers — goes to
/// the default class. Classification reads the headers in place and allocates nothing; rules can
/// be replaced while frames are being classified (thread-safe).
/// </summary>
public sealed class TrafficClassifier
{
    private const ushort EtherTypeIPv4 = 0x0800;
    private const ushort EtherTypeIPv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;
    private const int MaxVlanTags = 2;
    private const int MaxIPv6ExtensionHeaders = 8;

    private TrafficClassRule[] _rules;

    /// <summary>Creates a classifier.</summary>
    /// <param name="defaultClass">The class of frames no rule matches.</param>
    /// <param name="rules">Rules, tried in order; the first match wins.</param>
    public TrafficClassifier(int defaultClass, IEnumerable<TrafficClassRule>? rules = null)
    {
        DefaultClass = defaultClass;
        _rules = rules is null ? [] : Validate(rules);
    }

    /// <summary>The class of frames no rule matches.</summary>
    public int DefaultClass { get; }

    /// <summary>The rules now in force, in order.</summary>
    public IReadOnlyList<TrafficClassRule> Rules => Volatile.Read(ref _rules);

    /// <summary>Replaces the rules at once; frames being classified see the old set or the new one, never a mix.</summary>
    public void SetRules(IEnumerable<TrafficClassRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Volatile.Write(ref _rules, Validate(rules));
    }

    /// <summary>The class of the Ethernet frame whose first bytes are <paramref name="frame"/> (the headers suffice).</summary>
    public int Classify(ReadOnlySpan<byte> frame)
    {
        if (!TryReadPorts(frame, out var protocol, out var source, out var destination))
        {
            return DefaultClass;
        }

        foreach (ref readonly var rule in Volatile.Read(ref _rules).AsSpan())
        {
            if (rule.Matches(protocol, source, destination))
            {
                return rule.ClassIndex;
            }
        }

        return DefaultClass;
    }

    /// <summary>
    /// Reads the transport protocol and ports of an Ethernet frame carrying TCP or UDP over IPv4 or
    /// IPv6 (VLAN-tagged or not). False for anything else, for fragments and for truncated headers.
    /// </summary>
    public static bool TryReadPorts(ReadOnlySpan<byte> frame, out TrafficProtocols protocol, out ushort sourcePort, out ushort destinationPort)
    {
        protocol = TrafficProtocols.None;
        sourcePort = 0;
        destinationPort = 0;
        if (frame.Length < 14)
        {
            return false;
        }

        var offset = 12;
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(offset));
        for (var tags = 0; tags < MaxVlanTags && etherType is EtherTypeVlan or EtherTypeQinQ; tags++)
        {
            offset += 4;
            if (frame.Length < offset + 2)
            {
                return false;
            }

            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(offset));
        }

        offset += 2;
        byte ipProtocol;
        int transport;
        if (etherType == EtherTypeIPv4)
        {
            if (frame.Length < offset + 20 || frame[offset] >> 4 != 4)
            {
                return false;
            }

            var headerLength = (frame[offset] & 0xF) * 4;
            var fragment = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(offset + 6));
            if (headerLength < 20 || (fragment & 0x3FFF) != 0)
            {
                // More-fragments set or a fragment offset: only the first piece has ports.
                return false;
            }

            ipProtocol = frame[offset + 9];
            transport = offset + headerLength;
        }
        else if (etherType == EtherTypeIPv6)
        {
            if (frame.Length < offset + 40 || frame[offset] >> 4 != 6)
            {
                return false;
            }

            ipProtocol = frame[offset + 6];
            transport = offset + 40;
            for (var i = 0; ; i++)
            {
                if (ipProtocol is not (0 or 43 or 60 or 51))
                {
                    // TCP, UDP, or something without ports (a fragment header, 44, among them).
                    break;
                }

                if (i == MaxIPv6ExtensionHeaders || frame.Length < transport + 2)
                {
                    return false;
                }

                var next = frame[transport];
                var length = ipProtocol == 51
                    ? (frame[transport + 1] + 2) * 4      // authentication header: 4-byte units
                    : (frame[transport + 1] + 1) * 8;     // hop-by-hop, routing, destination options
                ipProtocol = next;
                transport += length;
            }
        }
        else
        {
            return false;
        }

        protocol = ipProtocol switch
        {
            ProtocolTcp => TrafficProtocols.Tcp,
            ProtocolUdp => TrafficProtocols.Udp,
            _ => TrafficProtocols.None,
        };
        if (protocol == TrafficProtocols.None || frame.Length < transport + 4)
        {
            protocol = TrafficProtocols.None;
            return false;
        }

        sourcePort = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(transport));
        destinationPort = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(transport + 2));
        return true;
    }

    private static TrafficClassRule[] Validate(IEnumerable<TrafficClassRule> rules)
    {
        var array = rules.ToArray();
        foreach (var rule in array)
        {
            if (rule.LastPort < rule.FirstPort)
            {
                throw new ArgumentException($"Rule {rule} ends before it starts.", nameof(rules));
            }
        }

        return array;
    }
}
