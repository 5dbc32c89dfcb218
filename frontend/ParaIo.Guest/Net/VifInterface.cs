using System.ComponentModel;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using ParaIo.Frontend.Net;
using ParaIo.Protocol.Net;
using ParaIo.Tap.Devices;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Guest.Net;

/// <summary>
/// One vif as the guest's network stack sees it: a TAP interface, made the first time the vif
/// connects and kept for the life of paraio-guest, and the pump between it and the vif's current
/// <see cref="NetFrontDevice"/>. A reader thread takes each frame the kernel sends out of the TAP
/// and copies it into a send lease (the one copy on the way out; the vnet header becomes the
/// frame's offloads); received frames are written to the TAP behind a vnet header made from their
/// netif flags and GSO info. After a reconnect the pump moves to the new device; frames meanwhile
/// are dropped, as on any Ethernet.
/// </summary>
internal sealed class VifInterface : IDisposable
{
    [ThreadStatic]
    private static byte[]? t_receiveBuffer;

    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Binding? _binding;
    private TapDevice? _tap;
    private Thread? _reader;
    private long _sent;
    private long _received;
    private long _dropped;
    private int _disposed;

    public VifInterface(int id, ILogger logger)
    {
        Id = id;
        _logger = logger;
    }

    /// <summary>The vif's device id.</summary>
    public int Id { get; }

    /// <summary>The TAP, once made.</summary>
    public TapDevice? Tap => Volatile.Read(ref _tap);

    /// <summary>Frames read from the TAP and sent on the vif.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Frames received on the vif and written to the TAP.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Frames lost either way: no interface or no device yet, a write the kernel refused, an offload netif cannot carry.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// The offloads the TAP turns on for a backend: checksum always (netif's <c>csum_blank</c>), TSO
    /// for each GSO kind the backend takes, which needs scatter-gather (a 64 KiB frame spans 16 slots).
    /// </summary>
    public static TapOffloads OffloadsFor(NetBackendInfo backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var offloads = TapOffloads.Checksum;
        if (backend.ScatterGather && backend.GsoTcpV4)
        {
            offloads |= TapOffloads.Tso4;
        }

        if (backend.ScatterGather && backend.GsoTcpV6)
        {
            offloads |= TapOffloads.Tso6;
        }

        return offloads;
    }

    /// <summary>Makes the pump use <paramref name="device"/> from now on; sends waiting on the previous device give up.</summary>
    public void Bind(NetFrontDevice device)
    {
        var previous = Interlocked.Exchange(ref _binding, new Binding(device));
        previous?.Dispose();
    }

    /// <summary>
    /// Makes the TAP unless it exists: named by <paramref name="nameTemplate"/> (<c>%d</c> is filled
    /// in by the kernel), in <paramref name="networkNamespace"/> (null: this process's), with the
    /// backend's MAC and MTU. Returns true when it was made now.
    /// </summary>
    /// <exception cref="Win32Exception">The TAP cannot be made (not root, no such namespace).</exception>
    public bool EnsureInterface(NetBackendInfo backend, string nameTemplate, string? networkNamespace)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_tap is not null)
            {
                return false;
            }

            var tap = TapDevice.Open(new TapOptions
            {
                Name = nameTemplate,
                NetworkNamespace = networkNamespace,
                MacAddress = backend.Mac is { } mac ? PhysicalAddress.Parse(mac) : null,
                Mtu = backend.Mtu,
                Offloads = OffloadsFor(backend),
            });
            Volatile.Write(ref _tap, tap);
            _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"vif{Id} {tap.Name}" };
            _reader.Start();
            return true;
        }
    }

    /// <summary>The receiver of the vif's frontend: called on a queue thread with each frame the backend delivered.</summary>
    public void Deliver(NetReceivedFrame frame)
    {
        var tap = Volatile.Read(ref _tap);
        var length = frame.Length;
        if (tap is null || length > TapDevice.MaxFrameLength - VirtioNetHeader.Size)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        var buffer = t_receiveBuffer ??= new byte[TapDevice.MaxFrameLength];
        var bytes = buffer.AsSpan(VirtioNetHeader.Size, length);
        frame.CopyTo(bytes);
        var gso = frame.Gso switch
        {
            NetifGsoType.TcpV4 => VirtioNetGsoType.TcpV4,
            NetifGsoType.TcpV6 => VirtioNetGsoType.TcpV6,
            _ => VirtioNetGsoType.None,
        };
        if (!PartialChecksum.TryCreateHeader(bytes[..Math.Min(length, PartialChecksum.HeaderWindow)], frame.ChecksumBlank, gso, frame.GsoSize, out var header))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        header.Write(buffer);
        try
        {
            tap.Write(buffer.AsSpan(0, VirtioNetHeader.Size + length));
            Interlocked.Increment(ref _received);
        }
        catch (Exception e) when (e is ObjectDisposedException or Win32Exception)
        {
            // Never let an exception reach the queue thread: the frame is lost, the vif carries on.
            if (Interlocked.Increment(ref _dropped) == 1 && e is Win32Exception)
            {
                _logger.LogWarning("vif/{Id}: {Tap} refused a frame ({Reason}); such frames are dropped", Id, tap.Name, e.Message);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _binding, null)?.Dispose();
        TapDevice? tap;
        lock (_lock)
        {
            tap = _tap;
        }

        tap?.Dispose();
        _reader?.Join();
    }

    private void ReadLoop()
    {
        var tap = _tap!;
        var buffer = new byte[TapDevice.MaxFrameLength];
        while (Volatile.Read(ref _disposed) == 0)
        {
            int length;
            try
            {
                length = tap.Read(buffer) - VirtioNetHeader.Size;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Win32Exception e)
            {
                if (Interlocked.Increment(ref _dropped) == 1)
                {
                    _logger.LogWarning("vif/{Id}: reading {Tap} failed ({Reason})", Id, tap.Name, e.Message);
                }

                Thread.Sleep(10); // an interface that went away fails every read at once
                continue;
            }

            var header = VirtioNetHeader.Read(buffer);
            var gso = (header.GsoType & ~VirtioNetGsoType.Ecn) switch
            {
                VirtioNetGsoType.None => NetifGsoType.None,
                VirtioNetGsoType.TcpV4 => NetifGsoType.TcpV4,
                VirtioNetGsoType.TcpV6 => NetifGsoType.TcpV6,
                _ => (NetifGsoType)0xFF, // UDP segmentation: netif has none, and the TAP never turns it on
            };
            var binding = Volatile.Read(ref _binding);
            if (binding is null || length is < NetifProtocol.MinFrameSize or > NetifProtocol.MaxFrameSize || (byte)gso == 0xFF)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }

            var offload = new NetTxOffload(
                ChecksumBlank: (header.Flags & VirtioNetHeaderFlags.NeedsChecksum) != 0,
                DataValidated: (header.Flags & VirtioNetHeaderFlags.DataValid) != 0,
                Gso: gso,
                GsoSize: gso == NetifGsoType.None ? (ushort)0 : header.GsoSize);
            try
            {
                var device = binding.Device;
                if (!device.TryBeginSend(length, out var lease))
                {
                    lease = device.BeginSend(length, binding.Cancellation);
                }

                lease.Write(buffer.AsSpan(VirtioNetHeader.Size, length));
                lease.Send(offload);
                Interlocked.Increment(ref _sent);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
            {
                // The device went away (paraiod restarting): the frame is lost; the next device takes the next frames.
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <summary>The device the pump sends on, and the signal that it was replaced.</summary>
    private sealed class Binding(NetFrontDevice device) : IDisposable
    {
        private readonly CancellationTokenSource _replaced = new();

        public NetFrontDevice Device { get; } = device;

        public CancellationToken Cancellation => _replaced.Token;

        /// <summary>Called once, by whoever swapped the binding out.</summary>
        public void Dispose()
        {
            _replaced.Cancel();
            _replaced.Dispose();
        }
    }
}
