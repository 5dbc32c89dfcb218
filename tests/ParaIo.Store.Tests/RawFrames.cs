using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace ParaIo.Store.Tests;

/// <summary>Hand-made frames, written without the library's encoder so the tests check the wire format itself.</summary>
internal static class RawFrames
{
    public static byte[] Frame(uint type, uint requestId, uint transactionId, byte[] payload, uint? announcedLength = null)
    {
        var frame = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(0), type);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), requestId);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8), transactionId);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), announcedLength ?? (uint)payload.Length);
        payload.CopyTo(frame, 16);
        return frame;
    }

    /// <summary>Each string UTF-8 encoded and NUL-terminated, back to back.</summary>
    public static byte[] Strings(params string[] strings) =>
        [.. strings.SelectMany(s => Encoding.UTF8.GetBytes(s).Append((byte)0))];

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public static async Task<(uint Type, uint RequestId, uint TransactionId, byte[] Payload)?> ReceiveFrameAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(StoreFixture.Timeout);
        var header = new byte[16];
        if (!await ReceiveExactlyAsync(socket, header, timeout.Token))
        {
            return null;
        }

        var payload = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(12))];
        if (!await ReceiveExactlyAsync(socket, payload, timeout.Token))
        {
            return null;
        }

        return (BinaryPrimitives.ReadUInt32LittleEndian(header), BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)),
            BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8)), payload);
    }

    /// <summary>True when the server closes the connection (reads end) before the timeout; frames before that are skipped.</summary>
    public static async Task<bool> ServerClosesAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(StoreFixture.Timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (received == 0)
            {
                return false;
            }

            buffer = buffer[received..];
        }

        return true;
    }
}
