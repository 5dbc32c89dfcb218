using System.Net.Sockets;

namespace ParaIo.Load.Peers;

/// <summary>Whole-buffer blocking send and receive on a stream socket (the kernel may split either).</summary>
internal static class SocketIo
{
    public static void SendAll(Socket socket, ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            buffer = buffer[socket.Send(buffer)..];
        }
    }

    public static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var got = socket.Receive(buffer);
            if (got == 0)
            {
                ThrowClosed();
            }

            buffer = buffer[got..];
        }
    }

    /// <summary>Receives at least one byte into <paramref name="buffer"/>; throws at end of stream.</summary>
    public static int ReceiveSome(Socket socket, Span<byte> buffer)
    {
        var got = socket.Receive(buffer);
        if (got == 0)
        {
            ThrowClosed();
        }

        return got;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowClosed() => throw new EndOfStreamException("The other process closed the socket.");
}
