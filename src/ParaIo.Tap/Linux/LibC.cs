using System.Runtime.InteropServices;

namespace ParaIo.Tap.Linux;

/// <summary>
/// The Linux calls a TAP device needs (open, ioctl, read/write, poll, epoll, eventfd, setns),
/// declared blittably so the source generator emits no marshalling code. Every wrapper returns the
/// raw result; callers turn -1 into an exception with <see cref="ThrowErrno"/>. The ioctl numbers
/// use the generic _IOC encoding, which x86_64 and arm64 share.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0x0;
    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const int EINTR = 4;
    public const int EAGAIN = 11;

    public const short POLLIN = 0x001;
    public const short POLLOUT = 0x004;

    public const int CLONE_NEWNET = 0x40000000;

    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLONESHOT = 1u << 30;

    // <linux/if_tun.h>
    public const uint TUNSETIFF = 0x400454ca;          // _IOW('T', 202, int)
    public const uint TUNSETOFFLOAD = 0x400454d0;      // _IOW('T', 208, unsigned int)
    public const uint TUNGETVNETHDRSZ = 0x800454d7;    // _IOR('T', 215, int)
    public const uint TUNSETVNETHDRSZ = 0x400454d8;    // _IOW('T', 216, int)
    public const uint TUNSETVNETLE = 0x400454dc;       // _IOW('T', 220, int)
    public const short IFF_TAP = 0x0002;
    public const short IFF_MULTI_QUEUE = 0x0100;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;
    public const uint TUN_F_TSO_ECN = 0x08;

    // <linux/sockios.h>, <net/if.h>, <net/if_arp.h>
    public const uint SIOCGIFFLAGS = 0x8913;
    public const uint SIOCSIFFLAGS = 0x8914;
    public const uint SIOCGIFMTU = 0x8921;
    public const uint SIOCSIFMTU = 0x8922;
    public const uint SIOCSIFHWADDR = 0x8924;
    public const uint SIOCGIFHWADDR = 0x8927;
    public const uint SIOCGIFINDEX = 0x8933;
    public const short IFF_UP = 0x1;
    public const ushort ARPHRD_ETHER = 1;
    public const int IFNAMSIZ = 16;

    public const int AF_INET = 2;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_CLOEXEC = 0x80000;

    /// <summary>
    /// struct ifreq (40 bytes on LP64): the interface name, then a 24-byte union of which we use
    /// ifr_flags (short), ifr_mtu / ifr_ifindex (int) and ifr_hwaddr (struct sockaddr: family, 14 data bytes).
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    public struct InterfaceRequest
    {
        [FieldOffset(0)]
        public fixed byte Name[IFNAMSIZ];

        [FieldOffset(16)]
        public short Flags;

        [FieldOffset(16)]
        public int Value;

        [FieldOffset(16)]
        public ushort HardwareFamily;

        [FieldOffset(18)]
        public fixed byte HardwareAddress[14];

        public static InterfaceRequest For(string name)
        {
            var request = default(InterfaceRequest);
            request.SetName(name);
            return request;
        }

        public void SetName(string name)
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(name);
            if (bytes.Length >= IFNAMSIZ)
            {
                throw new ArgumentException($"An interface name is at most {IFNAMSIZ - 1} bytes: '{name}'.", nameof(name));
            }

            fixed (byte* destination = Name)
            {
                var span = new Span<byte>(destination, IFNAMSIZ);
                span.Clear();
                bytes.CopyTo(span);
            }
        }

        public readonly string GetName()
        {
            fixed (byte* source = Name)
            {
                var span = new ReadOnlySpan<byte>(source, IFNAMSIZ);
                var end = span.IndexOf((byte)0);
                return System.Text.Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>struct epoll_event as x86_64 declares it: packed, the data word at offset 4.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEventPacked
    {
        public uint Events;
        public ulong Data;
    }

    /// <summary>struct epoll_event as arm64 (and every other 64-bit ABI) declares it: the data word at offset 8.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct EpollEventAligned
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport(Lib, EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nsType);

    [LibraryImport(Lib, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Lib, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int operation, int fd, void* epollEvent);

    [LibraryImport(Lib, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, void* events, int maxEvents, int timeoutMs);

    public static System.ComponentModel.Win32Exception ErrnoException(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new System.ComponentModel.Win32Exception(errno, $"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowErrno(string what) => throw ErrnoException(what);
}
