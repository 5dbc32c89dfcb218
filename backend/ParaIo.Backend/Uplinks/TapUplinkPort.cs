using System.ComponentModel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Bridge;
using ParaIo.Tap.Devices;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Backend.Uplinks;

/// <summary>
/// A bridge port that leaves the backend through a Linux TAP interface: the host's (or a named
/// namespace's) network stack sees the bridge as a NIC. Frames the bridge hands the port are
/// written to the TAP behind a vnet header built from their offload metadata (a blank checksum
/// becomes NEEDS_CSUM, GSO keeps its type and MSS), and one reader thread forwards the frames the
/// kernel sends out of the TAP into the bridge, with the header's offloads as the frame's.
/// </summary>
/// <remarks>
/// Errors are per frame: a frame that cannot be read, written or expressed is counted
/// (<see cref="ReadErrors"/>, <see cref="WriteErrors"/>, <see cref="Unsupported"/>) and the port
/// carries on. The bridge counts what goes through in <see cref="BridgePort.Counters"/>.
/// </remarks>
public sealed class TapUplinkPort : UplinkPort
{
    [ThreadStatic]
    private static byte[]? t_transmitBuffer;

    private readonly TapDevice _tap;
    private readonly ILogger _logger;
    private readonly Thread _reader;
    private long _readErrors;
    private long _writeErrors;
    private long _unsupported;
    private int _started;
    private int _disposed;

    private TapUplinkPort(TapDevice tap, TapUplinkOptions options, ILogger logger)
        : base(tap.Name, options.Vlan)
    {
        _tap = tap;
        _logger = logger;
        NetworkNamespace = options.NetworkNamespace;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"uplink {tap.Name}" };
    }

    /// <summary>The TAP interface.</summary>
    public TapDevice Device => _tap;

    /// <summary>The named namespace the TAP lives in, or null for paraiod's own.</summary>
    public string? NetworkNamespace { get; }

    /// <summary>Reads from the TAP that failed.</summary>
    public long ReadErrors => Interlocked.Read(ref _readErrors);

    /// <summary>Frames the TAP refused (or that did not fit its buffer).</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>
    /// Frames dropped because their offloads cannot cross: UDP segmentation from the kernel, or a
    /// blank checksum or GSO request on a frame that is not TCP/UDP over IP.
    /// </summary>
    public long Unsupported => Interlocked.Read(ref _unsupported);

    /// <summary>Opens the TAP (in its namespace when one is named); <see cref="Start"/> begins reading once the port is on a bridge.</summary>
    /// <exception cref="Win32Exception">The TAP cannot be opened (typically: not root, or the namespace does not exist).</exception>
    public static TapUplinkPort Open(TapUplinkOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Tap);
        var tap = TapDevice.Open(new TapOptions
        {
            Name = options.Tap,
            NetworkNamespace = options.NetworkNamespace,
            Offloads = options.Offloads,
            Mtu = options.Mtu,
        });
        return new TapUplinkPort(tap, options, logger ?? NullLogger.Instance);
    }

    /// <summary>Starts the reader thread (once).</summary>
    public override void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _reader.Start();
        }
    }

    /// <inheritdoc />
    public override bool Transmit(in EgressFrame frame)
    {
        var buffer = t_transmitBuffer ??= new byte[TapDevice.MaxFrameLength];
        var length = frame.Length;
        if (length > buffer.Length - VirtioNetHeader.Size)
        {
            Interlocked.Increment(ref _writeErrors);
            return false;
        }

        var bytes = buffer.AsSpan(VirtioNetHeader.Size, length);
        frame.CopyTo(bytes);

        // Located in the bytes as sent: a tag this port inserts or strips moves the L4 header.
        var offload = frame.Offload;
        if (!PartialChecksum.TryCreateHeader(bytes[..Math.Min(length, PartialChecksum.HeaderWindow)], offload.ChecksumBlank, ToVirtio(offload.Gso), offload.GsoSize, out var header))
        {
            Interlocked.Increment(ref _unsupported);
            return false;
        }

        header.Write(buffer);
        try
        {
            _tap.Write(buffer.AsSpan(0, VirtioNetHeader.Size + length));
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        catch (Exception e) when (e is Win32Exception or IOException)
        {
            if (Interlocked.Increment(ref _writeErrors) == 1)
            {
                _logger.LogWarning("Uplink {Tap}: a frame could not be written ({Reason}); such frames are counted and dropped", Name, e.Message);
            }

            return false;
        }
    }

    /// <summary>Leaves the bridge, ends the reader and removes the TAP (unless it is persistent).</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Bridge?.RemovePort(this);
        _tap.Dispose();
        if (Volatile.Read(ref _started) != 0 && Thread.CurrentThread != _reader)
        {
            _reader.Join();
        }
    }

    private static VirtioNetGsoType ToVirtio(FrameGso gso) => gso switch
    {
        FrameGso.TcpV4 => VirtioNetGsoType.TcpV4,
        FrameGso.TcpV6 => VirtioNetGsoType.TcpV6,
        _ => VirtioNetGsoType.None,
    };

    private void ReadLoop()
    {
        var buffer = new byte[TapDevice.MaxFrameLength];
        var frame = new EthernetFrame(1);
        while (Volatile.Read(ref _disposed) == 0)
        {
            int length;
            try
            {
                length = _tap.Read(buffer);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (Exception e) when (e is Win32Exception or IOException)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    break;
                }

                if (Interlocked.Increment(ref _readErrors) == 1)
                {
                    _logger.LogWarning("Uplink {Tap}: a read failed ({Reason}); failures are counted and the port carries on", Name, e.Message);
                }

                // A TAP whose interface went away fails every read at once: do not spin on it.
                Thread.Sleep(10);
                continue;
            }

            if (length < VirtioNetHeader.Size + 14)
            {
                Interlocked.Increment(ref _readErrors);
                continue;
            }

            var header = VirtioNetHeader.Read(buffer);
            FrameGso gso;
            switch (header.GsoType & ~VirtioNetGsoType.Ecn)
            {
                case VirtioNetGsoType.None:
                    gso = FrameGso.None;
                    break;
                case VirtioNetGsoType.TcpV4:
                    gso = FrameGso.TcpV4;
                    break;
                case VirtioNetGsoType.TcpV6:
                    gso = FrameGso.TcpV6;
                    break;
                default:
                    Interlocked.Increment(ref _unsupported);
                    continue;
            }

            frame.Clear();
            frame.Append(buffer, VirtioNetHeader.Size, length - VirtioNetHeader.Size);
            frame.Offload = new FrameOffload(
                (header.Flags & VirtioNetHeaderFlags.NeedsChecksum) != 0,
                (header.Flags & VirtioNetHeaderFlags.DataValid) != 0,
                gso,
                gso == FrameGso.None ? (ushort)0 : header.GsoSize);
            Forward(frame);
        }
    }
}
