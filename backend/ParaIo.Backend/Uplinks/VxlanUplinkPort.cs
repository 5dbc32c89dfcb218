using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// A bridge port that leaves the backend through a VXLAN tunnel (RFC 7348) to one remote VTEP,
/// such as a Linux <c>vxlan</c> interface: each frame the bridge hands the port goes out as one
/// UDP datagram, an 8-byte VXLAN header with the port's VNI in front of the frame, and one
/// receiving thread forwards the inner frames of the datagrams that come back into the bridge.
/// </summary>
/// <remarks>
/// <para>
/// A tunnel carries finished frames only, so the offloads a guest leaves to its NIC are done here
/// in software before encapsulation: a blank TCP/UDP checksum is filled in, and a TCP GSO frame
/// (IPv4 or IPv6) is cut into MSS-sized segments by <see cref="TcpSegmenter"/>.
/// </para>
/// <para>
/// Nothing from the wire is trusted: a datagram that is not from the remote VTEP's address, is
/// shorter than the header, lacks the I flag, names another VNI, or holds a runt or oversized
/// inner frame is dropped and counted by <see cref="VxlanDrop"/> reason in <see cref="Tunnel"/>.
/// Errors are per datagram; the port carries on. The bridge counts the frames themselves in
/// <see cref="BridgePort.Counters"/>.
/// </para>
/// </remarks>
public sealed class VxlanUplinkPort : UplinkPort
{
    /// <summary>The longest frame the port takes from the bridge: a 64 KiB IP packet behind an Ethernet header with two tags.</summary>
    public const int MaxFrameLength = ushort.MaxValue + EthernetHeaderLength + (2 * EgressFrame.TagLength);

    private const int EthernetHeaderLength = 14;

    // Every UDP payload fits: the largest is 65535 - 8 (IPv6 without jumbograms).
    private const int ReceiveBufferLength = 64 * 1024;

    // Bytes of the IP address inside a sockaddr_in / sockaddr_in6, as SocketAddress holds them.
    private const int SockaddrInAddressOffset = 4;
    private const int SockaddrIn6AddressOffset = 8;

    // <netinet/in.h>: IP_MTU_DISCOVER and IPV6_MTU_DISCOVER with IP(V6)_PMTUDISC_DO.
    private const int IpProtocolIPv4 = 0;
    private const int IpProtocolIPv6 = 41;
    private const int IPv4MtuDiscover = 10;
    private const int IPv6MtuDiscover = 23;
    private const int PathMtuDiscoverDo = 2;

    [ThreadStatic]
    private static byte[]? t_datagram;

    [ThreadStatic]
    private static byte[]? t_segment;

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly Thread _receiver;
    private readonly VxlanHeader _header;
    private readonly SocketAddress _remoteAddress;
    private readonly byte[] _remoteAddressBytes;
    private readonly int _remoteAddressOffset;
    private readonly int _maxDatagram;
    private readonly int _maxInnerFrame;
    private int _started;
    private int _disposed;

    private VxlanUplinkPort(Socket socket, VxlanUplinkOptions options, ILogger logger)
        : base(options.Name, options.Vlan)
    {
        _socket = socket;
        _logger = logger;
        Vni = options.Vni;
        Remote = options.Remote;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        Mtu = options.Mtu;
        _header = VxlanHeader.ForVni(options.Vni);
        _remoteAddress = options.Remote.Serialize();
        _remoteAddressBytes = options.Remote.Address.GetAddressBytes();
        var v6 = options.Remote.AddressFamily == AddressFamily.InterNetworkV6;
        _remoteAddressOffset = v6 ? SockaddrIn6AddressOffset : SockaddrInAddressOffset;
        _maxDatagram = ushort.MaxValue - 8 - (v6 ? 0 : 20); // minus the UDP header, and the IPv4 header that counts in IPv4's total length
        _maxInnerFrame = options.Mtu + EthernetHeaderLength + EgressFrame.TagLength;
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = $"uplink {options.Name}" };
    }

    /// <summary>The VXLAN network identifier the port sends and accepts.</summary>
    public int Vni { get; }

    /// <summary>The remote VTEP datagrams go to; only datagrams from its address are accepted (from any UDP port).</summary>
    public IPEndPoint Remote { get; }

    /// <summary>The local endpoint the socket is bound to (with the port the kernel chose, when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The inner MTU: received frames longer than it plus an Ethernet header and one tag are dropped.</summary>
    public int Mtu { get; }

    /// <summary>The tunnel's counters: datagrams and bytes each way, drops by reason, software offloads.</summary>
    public VxlanCounters Tunnel { get; } = new();

    /// <summary>Binds the UDP socket; <see cref="Start"/> begins receiving once the port is on a bridge.</summary>
    /// <exception cref="ArgumentException">An option is out of range (<see cref="VxlanUplinkOptions.Validate"/>).</exception>
    /// <exception cref="SocketException">The local endpoint cannot be bound (in use, or not an address of this host).</exception>
    public static VxlanUplinkPort Open(VxlanUplinkOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var local = options.LocalEndPoint;
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // "VTEPs MUST NOT fragment VXLAN packets" (RFC 7348 section 4.3): with path MTU discovery
            // forced on, a datagram too long for the path fails to send (EMSGSIZE) and is counted instead.
            // Socket.DontFragment does this for IPv4 only.
            Span<byte> discoverAlways = stackalloc byte[sizeof(int)];
            BitConverter.TryWriteBytes(discoverAlways, PathMtuDiscoverDo);
            if (local.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
                socket.SetRawSocketOption(IpProtocolIPv6, IPv6MtuDiscover, discoverAlways);
            }
            else
            {
                socket.SetRawSocketOption(IpProtocolIPv4, IPv4MtuDiscover, discoverAlways);
            }

            socket.Bind(local);
            return new VxlanUplinkPort(socket, options, logger ?? NullLogger.Instance);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts the receiving thread (once).</summary>
    public override void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _receiver.Start();
        }
    }

    /// <inheritdoc />
    public override bool Transmit(in EgressFrame frame)
    {
        var length = frame.Length;
        if (length > MaxFrameLength)
        {
            Tunnel.CountUnsupported();
            return false;
        }

        // A private copy, behind room for the header: the checksum and the segments are made from bytes no one else can change.
        var datagram = t_datagram ??= new byte[VxlanHeader.Length + MaxFrameLength];
        var inner = datagram.AsSpan(VxlanHeader.Length, length);
        frame.CopyTo(inner);
        var offload = frame.Offload;
        if (offload.Gso != FrameGso.None)
        {
            return SendSegmented(inner, offload);
        }

        if (offload.ChecksumBlank)
        {
            if (!TryFinishChecksum(inner))
            {
                Tunnel.CountUnsupported();
                return false;
            }

            Tunnel.CountChecksummed();
        }

        _header.Write(datagram);
        return Send(datagram.AsSpan(0, VxlanHeader.Length + length));
    }

    /// <summary>Leaves the bridge, closes the socket and waits for the receiving thread to end.</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Bridge?.RemovePort(this);

        // Wakes the receiving thread blocked in ReceiveFrom: .NET aborts a socket's blocked calls before it closes the descriptor.
        _socket.Dispose();
        if (Volatile.Read(ref _started) != 0 && Thread.CurrentThread != _receiver)
        {
            _receiver.Join();
        }
    }

    /// <summary>
    /// What is wrong with a received datagram of <paramref name="vni"/>'s tunnel whose inner frames
    /// may be up to <paramref name="maxInnerFrame"/> bytes long, or null when its frame may go on.
    /// </summary>
    internal static VxlanDrop? Check(ReadOnlySpan<byte> datagram, int vni, int maxInnerFrame)
    {
        if (datagram.Length < VxlanHeader.Length)
        {
            return VxlanDrop.ShortDatagram;
        }

        var header = VxlanHeader.Read(datagram);
        var frame = datagram.Length - VxlanHeader.Length;
        return !header.HasInstance ? VxlanDrop.NoInstanceFlag
            : header.Vni != vni ? VxlanDrop.ForeignVni
            : frame < EthernetHeaderLength ? VxlanDrop.RuntFrame
            : frame > maxInnerFrame ? VxlanDrop.OversizedFrame
            : null;
    }

    /// <summary>Fills in the blank TCP or UDP checksum of <paramref name="frame"/>, computed from scratch; false when it is not TCP or UDP over IP.</summary>
    private static bool TryFinishChecksum(Span<byte> frame)
    {
        if (!IpFrameHeaders.TryParse(frame, out var headers))
        {
            return false;
        }

        var transportLength = headers.TransportLength(frame);
        if (transportLength < 0)
        {
            return false;
        }

        headers.WriteTransportChecksum(frame, transportLength);
        return true;
    }

    private bool SendSegmented(ReadOnlySpan<byte> frame, FrameOffload offload)
    {
        if (!TcpSegmenter.TryCreate(frame, offload.Gso, offload.GsoSize, out var segmenter))
        {
            Tunnel.CountUnsupported();
            return false;
        }

        var datagram = t_segment ??= new byte[VxlanHeader.Length + MaxFrameLength];
        _header.Write(datagram);
        var sent = true;
        while (segmenter.TryWriteNext(datagram.AsSpan(VxlanHeader.Length), out var length))
        {
            sent &= Send(datagram.AsSpan(0, VxlanHeader.Length + length));
        }

        Tunnel.CountSegmented();
        return sent;
    }

    private bool Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > _maxDatagram)
        {
            Tunnel.CountUnsupported();
            return false;
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, _remoteAddress);
            Tunnel.CountSent(datagram.Length);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        catch (SocketException e)
        {
            if (Tunnel.CountSendError() == 1)
            {
                _logger.LogWarning("Uplink {Port}: a datagram to {Remote} could not be sent ({Reason}); such datagrams are counted and dropped", Name, Remote, e.Message);
            }

            return false;
        }
    }

    private void ReceiveLoop()
    {
        var buffer = new byte[ReceiveBufferLength];
        var source = new SocketAddress(Remote.AddressFamily);
        var frame = new EthernetFrame(1);
        while (Volatile.Read(ref _disposed) == 0)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, SocketFlags.None, source);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    break;
                }

                if (Tunnel.CountReceiveError() == 1)
                {
                    _logger.LogWarning("Uplink {Port}: a receive failed ({Reason}); failures are counted and the port carries on", Name, e.Message);
                }

                // A socket that fails every receive at once must not be spun on.
                Thread.Sleep(10);
                continue;
            }

            var datagram = buffer.AsSpan(0, length);
            var drop = source.Buffer.Span.Slice(_remoteAddressOffset, _remoteAddressBytes.Length).SequenceEqual(_remoteAddressBytes)
                ? Check(datagram, Vni, _maxInnerFrame)
                : VxlanDrop.ForeignSource;
            if (drop is { } reason)
            {
                Tunnel.CountDrop(reason);
                continue;
            }

            Tunnel.CountReceived(length);
            frame.Clear();
            frame.Append(buffer, VxlanHeader.Length, length - VxlanHeader.Length);
            Forward(frame);
        }
    }
}
