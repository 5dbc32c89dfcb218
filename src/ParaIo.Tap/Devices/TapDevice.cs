using System.Net.NetworkInformation;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ParaIo.Tap.Linux;
using ParaIo.Tap.Namespaces;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Devices;

/// <summary>
/// A Linux TAP interface opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR: every frame read or written
/// is a 12-byte <see cref="VirtioNetHeader"/> followed by the Ethernet frame. The interface lives as
/// long as this object (it is not made persistent); disposing it removes the interface.
/// </summary>
/// <remarks>
/// The fd is non-blocking. <see cref="Read"/> and <see cref="Write"/> block the caller in poll(2);
/// <see cref="ReadAsync"/> and <see cref="WriteAsync"/> wait in the process-wide epoll thread instead,
/// so a pending read holds no thread. One read and one write may be in flight at a time.
/// </remarks>
public sealed class TapDevice : IDisposable
{
    /// <summary>
    /// The largest frame the kernel hands a TAP with TSO: a 64 KiB IP packet, an Ethernet header and
    /// a VLAN tag, after the vnet header. Read buffers this size never lose a frame.
    /// </summary>
    public const int MaxFrameLength = VirtioNetHeader.Size + 14 + 4 + 65535;

    private const string CloneDevice = "/dev/net/tun";

    private readonly SafeFileHandle _tap;
    private readonly SafeFileHandle _control;
    private readonly SafeFileHandle _wake;
    private readonly FdReadiness _readiness;
    private TapOffloads _offloads;
    private int _disposed;

    private TapDevice(SafeFileHandle tap, SafeFileHandle control, SafeFileHandle wake, string name, string? networkNamespace, TapOffloads offloads)
    {
        _tap = tap;
        _control = control;
        _wake = wake;
        Name = name;
        NetworkNamespace = networkNamespace;
        _offloads = offloads;
        _readiness = new FdReadiness(TapPoller.Shared, (int)tap.DangerousGetHandle());
    }

    /// <summary>The interface name the kernel gave (a <c>%d</c> template filled in).</summary>
    public string Name { get; }

    /// <summary>The named network namespace the interface lives in; null for the opener's.</summary>
    public string? NetworkNamespace { get; }

    /// <summary>The offloads currently enabled.</summary>
    public TapOffloads Offloads => _offloads;

    /// <summary>The interface's MAC address, as the kernel reports it now.</summary>
    public unsafe PhysicalAddress MacAddress
    {
        get
        {
            var request = InterfaceIoctl(LibC.SIOCGIFHWADDR, LibC.InterfaceRequest.For(Name), "SIOCGIFHWADDR");
            return new PhysicalAddress(new ReadOnlySpan<byte>(request.HardwareAddress, 6).ToArray());
        }
    }

    /// <summary>The interface's MTU, as the kernel reports it now.</summary>
    public int Mtu => InterfaceIoctl(LibC.SIOCGIFMTU, LibC.InterfaceRequest.For(Name), "SIOCGIFMTU").Value;

    /// <summary>The interface index in its namespace.</summary>
    public int InterfaceIndex => InterfaceIoctl(LibC.SIOCGIFINDEX, LibC.InterfaceRequest.For(Name), "SIOCGIFINDEX").Value;

    /// <summary>True while the link is administratively up (IFF_UP).</summary>
    public bool IsUp => (InterfaceIoctl(LibC.SIOCGIFFLAGS, LibC.InterfaceRequest.For(Name), "SIOCGIFFLAGS").Flags & LibC.IFF_UP) != 0;

    /// <summary>
    /// Creates (or, for a multi-queue name that exists, attaches to) a TAP interface and configures it
    /// as <paramref name="options"/> says. With <see cref="TapOptions.NetworkNamespace"/> the clone
    /// device and the control socket are opened on a thread moved into that namespace, so the
    /// interface is born there and every later call acts there.
    /// </summary>
    public static TapDevice Open(TapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MacAddress is { } mac && mac.GetAddressBytes().Length != 6)
        {
            throw new ArgumentException("A TAP's MAC address is 6 bytes.", nameof(options));
        }

        // Only the fds are opened on the namespace thread: threads inherit their creator's namespace,
        // so the poller thread (started on first use) and everything else is set up back here.
        var (tap, control, name) = options.NetworkNamespace is null
            ? OpenHere(options)
            : NamespaceThread.Run(Namespaces.NetworkNamespace.PathOf(options.NetworkNamespace), () => OpenHere(options));
        SafeFileHandle? wake = null;
        try
        {
            wake = OpenFd(LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK), "eventfd");
            return new TapDevice(tap, control, wake, name, options.NetworkNamespace, options.Offloads);
        }
        catch
        {
            tap.Dispose();
            control.Dispose();
            wake?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one frame, blocking until one arrives. Returns the bytes written to
    /// <paramref name="frameWithHeader"/>: the vnet header and the Ethernet frame. Size the buffer
    /// <see cref="MaxFrameLength"/> when offloads are on; the kernel drops a frame that does not fit.
    /// </summary>
    public int Read(Span<byte> frameWithHeader)
    {
        while (true)
        {
            var length = TryRead(frameWithHeader);
            if (length >= 0)
            {
                return length;
            }

            WaitBlocking(LibC.POLLIN);
        }
    }

    /// <summary>Reads one frame without holding a thread while none is there; see <see cref="Read"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadAsync(Memory<byte> frameWithHeader, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var length = TryRead(frameWithHeader.Span);
            if (length >= 0)
            {
                return length;
            }

            await _readiness.WaitAsync(LibC.EPOLLIN, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads one frame if one is queued; returns -1 at once otherwise. For callers that drain the
    /// device in a loop after one wakeup.
    /// </summary>
    public unsafe int TryRead(Span<byte> frameWithHeader)
    {
        if (frameWithHeader.Length < VirtioNetHeader.Size)
        {
            throw new ArgumentException($"A read buffer holds at least the {VirtioNetHeader.Size}-byte vnet header.", nameof(frameWithHeader));
        }

        // tun writes the first 10 bytes of the header and skips num_buffers: clear it so callers see 0.
        frameWithHeader.Slice(VirtioNetHeader.NumBuffersOffset, 2).Clear();
        var added = false;
        _tap.DangerousAddRef(ref added);
        try
        {
            fixed (byte* buffer = frameWithHeader)
            {
                while (true)
                {
                    var result = LibC.Read((int)_tap.DangerousGetHandle(), buffer, (nuint)frameWithHeader.Length);
                    if (result >= 0)
                    {
                        return (int)result;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EAGAIN)
                    {
                        return -1;
                    }

                    if (errno != LibC.EINTR)
                    {
                        LibC.ThrowErrno($"read from {Name}");
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                _tap.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Writes one frame: the vnet header and the Ethernet frame, in one buffer. The kernel takes the
    /// whole frame or refuses it (a malformed header or frame throws, naming the errno).
    /// </summary>
    public void Write(ReadOnlySpan<byte> frameWithHeader)
    {
        while (!TryWrite(frameWithHeader))
        {
            WaitBlocking(LibC.POLLOUT);
        }
    }

    /// <summary>Writes one frame, waiting without a thread if the device cannot take it yet; see <see cref="Write"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frameWithHeader, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryWrite(frameWithHeader.Span))
            {
                return;
            }

            await _readiness.WaitAsync(LibC.EPOLLOUT, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Enables exactly <paramref name="offloads"/> (TUNSETOFFLOAD).</summary>
    public void SetOffloads(TapOffloads offloads)
    {
        ThrowIfDisposed();
        SetOffloads((int)_tap.DangerousGetHandle(), offloads);
        _offloads = offloads;
    }

    /// <summary>Sets the interface's MAC address (SIOCSIFHWADDR).</summary>
    public void SetMacAddress(PhysicalAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        ThrowIfDisposed();
        SetMacAddress((int)_control.DangerousGetHandle(), Name, address);
    }

    /// <summary>Sets the interface's MTU (SIOCSIFMTU).</summary>
    public void SetMtu(int mtu)
    {
        ThrowIfDisposed();
        SetMtu((int)_control.DangerousGetHandle(), Name, mtu);
    }

    /// <summary>Brings the link up or down (IFF_UP through SIOCSIFFLAGS).</summary>
    public void SetLinkUp(bool up)
    {
        ThrowIfDisposed();
        SetLinkUp((int)_control.DangerousGetHandle(), Name, up);
    }

    /// <summary>Closes the device: pending reads and writes fail with <see cref="ObjectDisposedException"/> and the interface goes away.</summary>
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _readiness.Dispose();

        // Wake blocked synchronous callers; they see the disposed handle on their next step.
        ulong one = 1;
        LibC.Write((int)_wake.DangerousGetHandle(), &one, sizeof(ulong));
        _tap.Dispose();
        _control.Dispose();
        _wake.Dispose();
    }

    private static unsafe (SafeFileHandle Tap, SafeFileHandle Control, string Name) OpenHere(TapOptions options)
    {
        var tap = OpenFd(LibC.Open(CloneDevice, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC), $"open {CloneDevice}");
        SafeFileHandle? control = null;
        try
        {
            var fd = (int)tap.DangerousGetHandle();
            var request = LibC.InterfaceRequest.For(options.Name);
            request.Flags = (short)(LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_VNET_HDR | (options.MultiQueue ? LibC.IFF_MULTI_QUEUE : 0));
            if (LibC.Ioctl(fd, LibC.TUNSETIFF, &request) != 0)
            {
                LibC.ThrowErrno($"TUNSETIFF {options.Name}");
            }

            var name = request.GetName();
            var headerSize = VirtioNetHeader.Size;
            if (LibC.Ioctl(fd, LibC.TUNSETVNETHDRSZ, &headerSize) != 0)
            {
                LibC.ThrowErrno("TUNSETVNETHDRSZ");
            }

            // Little-endian header fields even if the host were not (virtio 1.x); a no-op on x86_64 and arm64.
            var littleEndian = 1;
            if (LibC.Ioctl(fd, LibC.TUNSETVNETLE, &littleEndian) != 0)
            {
                LibC.ThrowErrno("TUNSETVNETLE");
            }

            SetOffloads(fd, options.Offloads);

            // Interface ioctls act in the namespace the socket was created in: this one is created here.
            control = OpenFd(LibC.Socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0), "socket(AF_INET, SOCK_DGRAM)");
            var controlFd = (int)control.DangerousGetHandle();
            if (options.MacAddress is { } mac)
            {
                SetMacAddress(controlFd, name, mac);
            }

            if (options.Mtu is { } mtu)
            {
                SetMtu(controlFd, name, mtu);
            }

            if (options.BringUp)
            {
                SetLinkUp(controlFd, name, up: true);
            }

            return (tap, control, name);
        }
        catch
        {
            tap.Dispose();
            control?.Dispose();
            throw;
        }
    }

    private static SafeFileHandle OpenFd(int fd, string what)
    {
        if (fd < 0)
        {
            LibC.ThrowErrno(what);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static unsafe void SetOffloads(int tapFd, TapOffloads offloads)
    {
        if (offloads != TapOffloads.None && (offloads & TapOffloads.Checksum) == 0)
        {
            throw new ArgumentException($"Segmentation offloads need {nameof(TapOffloads.Checksum)} too (the kernel refuses them alone): {offloads}.", nameof(offloads));
        }

        var flags = (nuint)(uint)offloads;

        // TUNSETOFFLOAD takes its argument by value, not by pointer.
        if (LibC.Ioctl(tapFd, LibC.TUNSETOFFLOAD, (void*)flags) != 0)
        {
            LibC.ThrowErrno($"TUNSETOFFLOAD {offloads}");
        }
    }

    private static unsafe void SetMacAddress(int controlFd, string name, PhysicalAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length != 6)
        {
            throw new ArgumentException("A TAP's MAC address is 6 bytes.", nameof(address));
        }

        var request = LibC.InterfaceRequest.For(name);
        request.HardwareFamily = LibC.ARPHRD_ETHER;
        bytes.CopyTo(new Span<byte>(request.HardwareAddress, 6));
        if (LibC.Ioctl(controlFd, LibC.SIOCSIFHWADDR, &request) != 0)
        {
            LibC.ThrowErrno($"SIOCSIFHWADDR {name}");
        }
    }

    private static unsafe void SetMtu(int controlFd, string name, int mtu)
    {
        var request = LibC.InterfaceRequest.For(name);
        request.Value = mtu;
        if (LibC.Ioctl(controlFd, LibC.SIOCSIFMTU, &request) != 0)
        {
            LibC.ThrowErrno($"SIOCSIFMTU {name} {mtu}");
        }
    }

    private static unsafe void SetLinkUp(int controlFd, string name, bool up)
    {
        var request = LibC.InterfaceRequest.For(name);
        if (LibC.Ioctl(controlFd, LibC.SIOCGIFFLAGS, &request) != 0)
        {
            LibC.ThrowErrno($"SIOCGIFFLAGS {name}");
        }

        request.Flags = up ? (short)(request.Flags | LibC.IFF_UP) : (short)(request.Flags & ~LibC.IFF_UP);
        if (LibC.Ioctl(controlFd, LibC.SIOCSIFFLAGS, &request) != 0)
        {
            LibC.ThrowErrno($"SIOCSIFFLAGS {name}");
        }
    }

    private unsafe LibC.InterfaceRequest InterfaceIoctl(uint command, LibC.InterfaceRequest request, string what)
    {
        ThrowIfDisposed();
        if (LibC.Ioctl((int)_control.DangerousGetHandle(), command, &request) != 0)
        {
            LibC.ThrowErrno($"{what} {Name}");
        }

        return request;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private unsafe bool TryWrite(ReadOnlySpan<byte> frameWithHeader)
    {
        if (frameWithHeader.Length < VirtioNetHeader.Size)
        {
            throw new ArgumentException($"A frame starts with the {VirtioNetHeader.Size}-byte vnet header.", nameof(frameWithHeader));
        }

        var added = false;
        _tap.DangerousAddRef(ref added);
        try
        {
            fixed (byte* buffer = frameWithHeader)
            {
                while (true)
                {
                    var result = LibC.Write((int)_tap.DangerousGetHandle(), buffer, (nuint)frameWithHeader.Length);
                    if (result >= 0)
                    {
                        return true;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EAGAIN)
                    {
                        return false;
                    }

                    if (errno != LibC.EINTR)
                    {
                        LibC.ThrowErrno($"write to {Name}");
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                _tap.DangerousRelease();
            }
        }
    }

    private unsafe void WaitBlocking(short events)
    {
        var tapAdded = false;
        var wakeAdded = false;
        _tap.DangerousAddRef(ref tapAdded);
        try
        {
            _wake.DangerousAddRef(ref wakeAdded);
            var fds = stackalloc LibC.PollFd[2];
            fds[0] = new LibC.PollFd { Fd = (int)_tap.DangerousGetHandle(), Events = events };
            fds[1] = new LibC.PollFd { Fd = (int)_wake.DangerousGetHandle(), Events = LibC.POLLIN };
            while (Volatile.Read(ref _disposed) == 0 && LibC.Poll(fds, 2, -1) < 0)
            {
                if (Marshal.GetLastPInvokeError() != LibC.EINTR)
                {
                    LibC.ThrowErrno($"poll on {Name}");
                }
            }

            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        }
        finally
        {
            if (wakeAdded)
            {
                _wake.DangerousRelease();
            }

            if (tapAdded)
            {
                _tap.DangerousRelease();
            }
        }
    }
}
