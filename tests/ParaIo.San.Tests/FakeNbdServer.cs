using System.Buffers.Binary;
using System.Net.Sockets;

namespace ParaIo.San.Tests;

/// <summary>What the fake server does wrong (or right).</summary>
public enum FakeBehavior
{
    /// <summary>A correct server over 1 MiB of memory, with NBD_OPT_GO.</summary>
    Correct,

    /// <summary>Answers NBD_OPT_GO with ERR_UNSUP and serves after NBD_OPT_EXPORT_NAME (an old server).</summary>
    NoGo,

    /// <summary>Sends bytes that are no greeting at all.</summary>
    GarbageGreeting,

    /// <summary>Accepts and says nothing.</summary>
    Silent,

    /// <summary>A correct handshake, then a reply with a wrong magic.</summary>
    GarbageReply,

    /// <summary>A correct handshake, then a reply to a cookie never sent.</summary>
    UnknownCookie,

    /// <summary>A correct handshake, then a structured reply nobody negotiated.</summary>
    StructuredReply,

    /// <summary>A correct handshake, then EIO for every request.</summary>
    EioReply,

    /// <summary>A correct handshake, then never a reply.</summary>
    NeverAnswers,

    /// <summary>A correct handshake, then the connection is closed at the first request (a server killed mid-I/O, again and again).</summary>
    HangsUp,
}

/// <summary>
/// A tiny NBD server written for the tests, on a Unix socket: correct enough to serve I/O, or
/// broken in one chosen way, so the client's handling of a server that breaks the protocol is
/// shown against a server that does not (the same code with <see cref="FakeBehavior.Correct"/>).
/// </summary>
internal sealed class FakeNbdServer : IAsyncDisposable
{
    public const int Size = 1 << 20;

    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _disk = new byte[Size];
    private readonly List<Socket> _connections = [];
    private readonly Task _accepting;
    private readonly string _directory;
    private int _accepted;

    public FakeNbdServer(FakeBehavior behavior)
    {
        Behavior = behavior;
        _directory = Directory.CreateTempSubdirectory("paraio-fake-nbd-").FullName;
        SocketPath = Path.Combine(_directory, "fake.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _accepting = AcceptAsync();
    }

    public FakeBehavior Behavior { get; }

    public string SocketPath { get; }

    public Uri Uri => new($"nbd+unix:///?socket={SocketPath}");

    public int Accepted => Volatile.Read(ref _accepted);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        Directory.Delete(_directory, recursive: true);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            lock (_connections)
            {
                _connections.Add(connection);
            }

            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            if (Behavior == FakeBehavior.Silent)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }

            if (Behavior == FakeBehavior.GarbageGreeting)
            {
                await socket.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
                return;
            }

            var greeting = new byte[18];
            BinaryPrimitives.WriteUInt64BigEndian(greeting, 0x4E42444D41474943);
            BinaryPrimitives.WriteUInt64BigEndian(greeting.AsSpan(8), 0x49484156454F5054);
            BinaryPrimitives.WriteUInt16BigEndian(greeting.AsSpan(16), 3); // FIXED_NEWSTYLE | NO_ZEROES
            await socket.SendAsync(greeting);
            await ReceiveAsync(socket, 4);
            while (true)
            {
                var option = await ReceiveAsync(socket, 16);
                var code = BinaryPrimitives.ReadUInt32BigEndian(option.AsSpan(8));
                var data = await ReceiveAsync(socket, (int)BinaryPrimitives.ReadUInt32BigEndian(option.AsSpan(12)));
                if (code == 7 && Behavior == FakeBehavior.NoGo)
                {
                    await SendOptionReplyAsync(socket, code, 0x80000001, []);
                    continue;
                }

                if (code == 7)
                {
                    var info = new byte[12];
                    BinaryPrimitives.WriteUInt16BigEndian(info, 0);
                    BinaryPrimitives.WriteUInt64BigEndian(info.AsSpan(2), Size);
                    BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(10), 1 | 4); // HAS_FLAGS | SEND_FLUSH
                    await SendOptionReplyAsync(socket, code, 3, info);
                    await SendOptionReplyAsync(socket, code, 1, []);
                    break;
                }

                if (code == 1)
                {
                    var answer = new byte[10];
                    BinaryPrimitives.WriteUInt64BigEndian(answer, Size);
                    BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(8), 1 | 4);
                    await socket.SendAsync(answer);
                    break;
                }

                await SendOptionReplyAsync(socket, code, 0x80000001, []);
                _ = data;
            }

            await TransmitAsync(socket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
            // The client went away, or the test ended.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task TransmitAsync(Socket socket)
    {
        while (true)
        {
            var request = await ReceiveAsync(socket, 28);
            var command = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(6));
            var cookie = BinaryPrimitives.ReadUInt64BigEndian(request.AsSpan(8));
            var offset = (int)BinaryPrimitives.ReadUInt64BigEndian(request.AsSpan(16));
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(24));
            if (command == 2 || Behavior == FakeBehavior.HangsUp)
            {
                return;
            }

            if (command == 1)
            {
                (await ReceiveAsync(socket, length)).CopyTo(_disk, offset);
            }

            var reply = new byte[16];
            BinaryPrimitives.WriteUInt32BigEndian(reply, 0x67446698);
            BinaryPrimitives.WriteUInt64BigEndian(reply.AsSpan(8), cookie);
            switch (Behavior)
            {
                case FakeBehavior.NeverAnswers:
                    continue;
                case FakeBehavior.GarbageReply:
                    BinaryPrimitives.WriteUInt32BigEndian(reply, 0xDEADBEEF);
                    break;
                case FakeBehavior.UnknownCookie:
                    BinaryPrimitives.WriteUInt64BigEndian(reply.AsSpan(8), cookie ^ 0x5A5A_0000_0000);
                    break;
                case FakeBehavior.StructuredReply:
                    BinaryPrimitives.WriteUInt32BigEndian(reply, 0x668E33EF);
                    break;
                case FakeBehavior.EioReply:
                    BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(4), 5);
                    await socket.SendAsync(reply);
                    continue;
            }

            await socket.SendAsync(reply);
            if (command == 0 && Behavior is FakeBehavior.Correct or FakeBehavior.NoGo)
            {
                await socket.SendAsync(_disk.AsMemory(offset, length));
            }
        }
    }

    private static async Task SendOptionReplyAsync(Socket socket, uint option, uint type, byte[] data)
    {
        var header = new byte[20 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(header, 0x0003E889045565A9);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), type);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(16), (uint)data.Length);
        data.CopyTo(header, 20);
        await socket.SendAsync(header);
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var done = 0;
        while (done < count)
        {
            var got = await socket.ReceiveAsync(buffer.AsMemory(done));
            if (got == 0)
            {
                throw new EndOfStreamException();
            }

            done += got;
        }

        return buffer;
    }
}
