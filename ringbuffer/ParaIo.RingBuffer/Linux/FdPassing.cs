using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace ParaIo.RingBuffer.Linux;

/// <summary>
/// Sends and receives file descriptors over a Unix-domain socket (SCM_RIGHTS), the way a guest
/// hands its grant pool and event channels to the backend (as vhost-user does).
/// </summary>
/// <remarks>
/// Descriptors travel with the bytes of one <c>sendmsg</c>. On a stream socket they arrive with the
/// first <c>recvmsg</c> that returns any of those bytes, so a caller that frames messages should
/// read a whole frame's first chunk with <see cref="Receive"/>.
/// </remarks>
public static unsafe class FdPassing
{
    /// <summary>The most descriptors one message may carry (the kernel's SCM_MAX_FD is 253).</summary>
    public const int MaxFds = 32;

    /// <summary>Sends <paramref name="payload"/> (at least one byte) with <paramref name="fds"/> attached.</summary>
    public static void Send(Socket socket, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (payload.IsEmpty)
        {
            throw new ArgumentException("A message that carries descriptors needs at least one byte of payload.", nameof(payload));
        }

        if (fds.Length > MaxFds)
        {
            throw new ArgumentException($"At most {MaxFds} descriptors fit one message; got {fds.Length}.", nameof(fds));
        }

        var controlLength = fds.IsEmpty ? 0 : LibC.CmsgSpace(fds.Length * sizeof(int));
        var control = stackalloc byte[LibC.CmsgSpace(MaxFds * sizeof(int))];
        if (!fds.IsEmpty)
        {
            new Span<byte>(control, controlLength).Clear();
            var header = (LibC.CmsgHdr*)control;
            header->Length = (nuint)LibC.CmsgLength(fds.Length * sizeof(int));
            header->Level = LibC.SOL_SOCKET;
            header->Type = LibC.SCM_RIGHTS;
            fds.CopyTo(new Span<int>(control + LibC.CmsgDataOffset, fds.Length));
        }

        var sent = 0;
        fixed (byte* data = payload)
        {
            while (sent < payload.Length)
            {
                var iov = new LibC.IoVec { Base = data + sent, Length = (nuint)(payload.Length - sent) };
                var message = new LibC.MsgHdr
                {
                    Iov = &iov,
                    IovLength = 1,
                    // Descriptors ride on the first chunk only.
                    Control = sent == 0 && controlLength > 0 ? control : null,
                    ControlLength = sent == 0 ? (nuint)controlLength : 0,
                };
                var result = LibC.SendMsg(SocketFd(socket), &message, LibC.MSG_NOSIGNAL);
                if (result < 0)
                {
                    if (ShouldRetry(socket, LibC.POLLOUT))
                    {
                        continue;
                    }

                    LibC.ThrowErrno("sendmsg");
                }

                sent += (int)result;
            }
        }
    }

    /// <summary>
    /// Receives up to <paramref name="buffer"/>.Length bytes and any descriptors that came with them.
    /// Returns the number of bytes (0 at end of stream). Received descriptors are owned by the caller.
    /// </summary>
    /// <exception cref="IOException">The sender attached more descriptors than <paramref name="fds"/> holds; all of them are closed.</exception>
    public static int Receive(Socket socket, Span<byte> buffer, Span<SafeFileHandle?> fds, out int fdCount)
    {
        ArgumentNullException.ThrowIfNull(socket);
        fdCount = 0;
        var controlLength = LibC.CmsgSpace(MaxFds * sizeof(int));
        var control = stackalloc byte[controlLength];
        fixed (byte* data = buffer)
        {
            var iov = new LibC.IoVec { Base = data, Length = (nuint)buffer.Length };
            var message = new LibC.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            nint result;
            do
            {
                result = LibC.RecvMsg(SocketFd(socket), &message, LibC.MSG_CMSG_CLOEXEC);
            }
            while (result < 0 && ShouldRetry(socket, LibC.POLLIN));

            if (result < 0)
            {
                LibC.ThrowErrno("recvmsg");
            }

            var received = CollectFds(&message, out var handles);
            if ((message.Flags & LibC.MSG_CTRUNC) != 0 || received > fds.Length)
            {
                for (var i = 0; i < received; i++)
                {
                    handles[i].Dispose();
                }

                throw new IOException($"The peer attached more file descriptors than expected (room for {fds.Length}); the message was refused.");
            }

            for (var i = 0; i < received; i++)
            {
                fds[i] = handles[i];
            }

            fdCount = received;
            return (int)result;
        }
    }

    private static int CollectFds(LibC.MsgHdr* message, out SafeFileHandle[] handles)
    {
        var list = new List<SafeFileHandle>();
        var control = (byte*)message->Control;
        var end = control + (long)message->ControlLength;
        var cursor = control;
        while (cursor + sizeof(LibC.CmsgHdr) <= end)
        {
            var header = (LibC.CmsgHdr*)cursor;
            var length = (long)header->Length;
            if (length < sizeof(LibC.CmsgHdr) || cursor + length > end)
            {
                break;
            }

            if (header->Level == LibC.SOL_SOCKET && header->Type == LibC.SCM_RIGHTS)
            {
                var count = (int)((length - LibC.CmsgDataOffset) / sizeof(int));
                var data = (int*)(cursor + LibC.CmsgDataOffset);
                for (var i = 0; i < count; i++)
                {
                    list.Add(new SafeFileHandle(data[i], ownsHandle: true));
                }
            }

            cursor += LibC.CmsgAlign((int)length);
        }

        handles = [.. list];
        return handles.Length;
    }

    private static int SocketFd(Socket socket) => (int)socket.Handle;

    /// <summary>
    /// True for EINTR, and for EAGAIN after waiting until the socket is ready: .NET keeps its socket
    /// descriptors non-blocking, so a synchronous caller waits here instead.
    /// </summary>
    private static bool ShouldRetry(Socket socket, short events)
    {
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == LibC.EINTR)
        {
            return true;
        }

        if (errno != LibC.EAGAIN)
        {
            return false;
        }

        var poll = new LibC.PollFd { Fd = SocketFd(socket), Events = events };
        LibC.Poll(&poll, 1, -1);
        return true;
    }
}
