using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Linux;

namespace ParaIo.Load.Peers;

/// <summary>
/// The control socket between the parent and its peer: commands one way (with descriptors attached
/// when a baseline needs them), replies the other. Never used while a run is being measured.
/// </summary>
internal sealed class ControlChannel : IDisposable
{
    private readonly byte[] _buffer = new byte[Math.Max(PeerCommand.Size, PeerReply.Size)];

    public ControlChannel(Socket socket) => Socket = socket;

    /// <summary>The socket, also used once for the pool handoff.</summary>
    public Socket Socket { get; }

    /// <summary>Parent side: sends a command, with <paramref name="fds"/> riding along as SCM_RIGHTS.</summary>
    public void Send(in PeerCommand command, ReadOnlySpan<int> fds = default)
    {
        command.Write(_buffer);
        FdPassing.Send(Socket, _buffer.AsSpan(0, PeerCommand.Size), fds);
    }

    /// <summary>
    /// Parent side: waits for the peer's reply (the socket's receive timeout bounds the wait) and
    /// insists on <paramref name="expected"/>.
    /// </summary>
    /// <exception cref="TimeoutException">The peer did not answer in time.</exception>
    /// <exception cref="InvalidOperationException">The peer failed, or answered out of turn.</exception>
    public PeerReply Expect(PeerStatus expected, string what)
    {
        try
        {
            SocketIo.ReceiveExactly(Socket, _buffer.AsSpan(0, PeerReply.Size));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new TimeoutException($"The peer did not answer within {Socket.ReceiveTimeout} ms ({what}).", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidOperationException($"The peer closed its control socket ({what}); see its messages above.", e);
        }

        var reply = PeerReply.Read(_buffer);
        if (reply.Status != expected)
        {
            throw new InvalidOperationException(reply.Status == PeerStatus.Failed
                ? $"The peer failed ({what}); see its messages above."
                : $"The peer answered {reply.Status} where {expected} was due ({what}).");
        }

        return reply;
    }

    /// <summary>Peer side: the next command and the descriptors that came with it; false at end of stream.</summary>
    public bool TryReceive(out PeerCommand command, out SafeFileHandle?[] fds)
    {
        fds = new SafeFileHandle?[4];
        var got = FdPassing.Receive(Socket, _buffer.AsSpan(0, PeerCommand.Size), fds, out _);
        if (got == 0)
        {
            command = default;
            return false;
        }

        // Descriptors arrive with the first chunk only; the rest of the record may follow separately.
        SocketIo.ReceiveExactly(Socket, _buffer.AsSpan(got, PeerCommand.Size - got));
        command = PeerCommand.Read(_buffer);
        return true;
    }

    /// <summary>Peer side: answers the parent.</summary>
    public void Reply(in PeerReply reply)
    {
        reply.Write(_buffer);
        SocketIo.SendAll(Socket, _buffer.AsSpan(0, PeerReply.Size));
    }

    public void Dispose() => Socket.Dispose();
}
