using System.Buffers.Binary;

namespace ParaIo.Backend.Bridge;

/// <summary>
/// A learning Ethernet switch in the backend (the dom0 bridge of Xen's split network model): it
/// learns which port each source address sits behind, per VLAN, sends a unicast frame only to
/// the learned port, and floods broadcast, multicast and unknown unicast to every other port of
/// the frame's VLAN. Entries age out after <see cref="AgingTime"/> without frames.
/// </summary>
/// <remarks>
/// <para>
/// VLANs (802.1Q): a frame entering an access port travels on that port's VLAN; one entering a
/// trunk travels on its tag's VLAN (or the native VLAN when untagged). A tagged frame at an
/// access port, or a VLAN the trunk does not carry, is dropped. At egress the tag is stripped
/// for an access port and the native VLAN, and inserted for a trunk — while the egress port
/// copies, never by rewriting the frame.
/// </para>
/// <para>
/// Threads: ports forward from their own threads at once; <see cref="Forward"/> runs on the
/// caller's thread and calls the egress ports' <see cref="BridgePort.Transmit"/> synchronously.
/// Ports join and leave at any time (copy-on-write port list); a port leaving takes its learned
/// addresses with it.
/// </para>
/// </remarks>
public sealed class SoftwareBridge
{
    /// <summary>Linux's default bridge ageing time.</summary>
    public static readonly TimeSpan DefaultAgingTime = TimeSpan.FromSeconds(300);

    private const int HeaderLength = 16; // addresses, and the TPID and TCI of a tag
    private readonly Lock _portsLock = new();
    private readonly TimeProvider _time;
    private readonly MacTable _table;
    private volatile BridgePort[] _ports = [];
    private long _maxAge;
    private TimeSpan _agingTime;

    /// <summary>Creates a bridge.</summary>
    /// <param name="name">Its name (<c>br0</c>).</param>
    /// <param name="time">The clock entries age by; the system clock when null.</param>
    /// <param name="agingTime">How long an address lives without frames; 300 s when null.</param>
    /// <param name="macCapacity">The most addresses it learns; beyond, unknown stations are flooded.</param>
    public SoftwareBridge(string name, TimeProvider? time = null, TimeSpan? agingTime = null, int macCapacity = 8192)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(macCapacity, 1);
        Name = name;
        _time = time ?? TimeProvider.System;
        _table = new MacTable(macCapacity);
        AgingTime = agingTime ?? DefaultAgingTime;
    }

    /// <summary>The bridge's name.</summary>
    public string Name { get; }

    /// <summary>How long a learned address lives without frames from it.</summary>
    public TimeSpan AgingTime
    {
        get => _agingTime;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _agingTime = value;
            Volatile.Write(ref _maxAge, (long)(value.TotalSeconds * _time.TimestampFrequency));
        }
    }

    /// <summary>The ports now on the bridge.</summary>
    public IReadOnlyList<BridgePort> Ports => _ports;

    /// <summary>Learned addresses, live or not yet swept.</summary>
    public int AddressCount => _table.Count;

    /// <summary>Adds a port.</summary>
    /// <exception cref="InvalidOperationException">The port is on a bridge already, or a port of that name is here.</exception>
    public void AddPort(BridgePort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        lock (_portsLock)
        {
            if (port.Bridge is not null)
            {
                throw new InvalidOperationException($"Port {port.Name} is on bridge {port.Bridge.Name} already.");
            }

            if (_ports.Any(p => p.Name == port.Name))
            {
                throw new InvalidOperationException($"Bridge {Name} has a port named {port.Name} already.");
            }

            port.Attach(this);
            _ports = [.. _ports, port];
        }
    }

    /// <summary>Removes a port and forgets the addresses learned on it; false if it was not here.</summary>
    public bool RemovePort(BridgePort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        lock (_portsLock)
        {
            if (port.Bridge != this)
            {
                return false;
            }

            port.Detach();
            _ports = _ports.Where(p => p != port).ToArray();
        }

        // After the detach: a frame still in flight may learn the port again, but lookups ignore
        // entries of detached ports, and this purge or the next lookup removes them.
        _table.Purge(port);
        return true;
    }

    /// <summary>Removes learned addresses past their age; returns how many.</summary>
    public int Sweep() => _table.Sweep(_time.GetTimestamp(), Volatile.Read(ref _maxAge));

    /// <summary>
    /// Switches one frame that entered at <paramref name="source"/>: classifies its VLAN, learns its
    /// source address, and hands it to the learned port or floods it. Returns when every egress
    /// port has copied it.
    /// </summary>
    public void Forward(BridgePort source, EthernetFrame frame)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Length < 14)
        {
            source.Counters.CountRxDropped();
            return;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        var first = frame.GetSegment(0);
        if (first.Length >= HeaderLength)
        {
            first[..HeaderLength].CopyTo(header);
        }
        else
        {
            frame.CopyTo(0, header[..Math.Min(HeaderLength, frame.Length)]);
        }

        var tagged = BinaryPrimitives.ReadUInt16BigEndian(header[12..]) == VlanConfig.TagProtocol;
        var membership = source.Vlan;
        int vlan;
        if (tagged)
        {
            vlan = frame.Length >= 18 ? BinaryPrimitives.ReadUInt16BigEndian(header[14..]) & 0xFFF : 0;
            if (!membership.IsTrunk || !membership.Carries(vlan))
            {
                source.Counters.CountRxDropped();
                return;
            }
        }
        else
        {
            vlan = membership.IsTrunk ? membership.NativeVlan : membership.AccessVlan;
            if (vlan == 0)
            {
                source.Counters.CountRxDropped();
                return;
            }
        }

        source.Counters.CountRx(frame.Length);
        var destination = MacAddress.Read(header);
        var sender = MacAddress.Read(header[6..]);
        var now = _time.GetTimestamp();
        if (!sender.IsMulticast)
        {
            _table.Learn(vlan, sender, source, now);
        }

        if (!destination.IsMulticast && _table.TryLookup(vlan, destination, now, Volatile.Read(ref _maxAge), out var port))
        {
            if (port != source)
            {
                Deliver(port, frame, vlan, tagged);
            }

            return; // a frame for its own segment is filtered
        }

        source.Counters.CountFlooded();
        foreach (var other in _ports)
        {
            if (other != source)
            {
                Deliver(other, frame, vlan, tagged);
            }
        }
    }

    /// <summary>The bridge's ports, counters and addresses now.</summary>
    public BridgeSnapshot Snapshot()
    {
        var now = _time.GetTimestamp();
        var ports = _ports.Select(p => new BridgePortSnapshot(
            p.Name, p.Vlan.ToString(), p.Counters.RxFrames, p.Counters.RxBytes, p.Counters.TxFrames, p.Counters.TxBytes, p.Counters.RxDropped, p.Counters.TxDropped, p.Counters.Flooded)).ToArray();
        var maxAge = Volatile.Read(ref _maxAge);
        var addresses = _table.Entries()
            .Where(e => now - e.LastSeen <= maxAge && e.Port.Bridge == this)
            .Select(e => new MacEntrySnapshot(e.Vlan, e.Mac, e.Port.Name, _time.GetElapsedTime(e.LastSeen, now)))
            .OrderBy(e => e.Vlan).ThenBy(e => e.Mac.Value)
            .ToArray();
        return new BridgeSnapshot(Name, AgingTime, ports, addresses);
    }

    private static void Deliver(BridgePort port, EthernetFrame frame, int vlan, bool tagged)
    {
        var membership = port.Vlan;
        if (!membership.Carries(vlan))
        {
            return;
        }

        var wantTag = membership.IsTrunk && vlan != membership.NativeVlan;
        var edit = wantTag == tagged ? EgressFrame.TagEdit.None : wantTag ? EgressFrame.TagEdit.Insert : EgressFrame.TagEdit.Strip;
        var egress = new EgressFrame(frame, edit, (ushort)vlan);
        if (port.Transmit(egress))
        {
            port.Counters.CountTx(egress.Length);
        }
        else
        {
            port.Counters.CountTxDropped();
        }
    }
}
