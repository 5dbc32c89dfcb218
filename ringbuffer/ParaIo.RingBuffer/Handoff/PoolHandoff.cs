using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Linux;

namespace ParaIo.RingBuffer.Handoff;

/// <summary>
/// Hands a guest's pool and its ring offers to the backend over a Unix socket in one message: the
/// memfd as SCM_RIGHTS, the rest as a small little-endian record. The backend parses the record
/// into private memory and checks its shape (counts, page orders, lengths, reserved bytes) before
/// it attaches the pool; grant references and ports are checked against the pool when a queue is
/// connected (<see cref="BackQueue{TRequest, TResponse}.Connect"/>). The domain id in the record
/// is the guest's claim; the store (a later layer) binds a connection to a real guest identity.
/// </summary>
/// <remarks>
/// <code>
///  u32 magic "PIHO"   u16 domain   u16 ring count (1..64)
///  per ring: u8 page order (0..4)  u8 0  u16 0  u32 request port  u32 response port
///            u32 ring-ref[2^order]
/// </code>
/// </remarks>
public static class PoolHandoff
{
    private const uint Magic = 0x4F48_4950; // "PIHO"
    private const int MaxRings = 64;
    private const int MaxMessage = 8 + (MaxRings * (12 + (4 << Rings.RingLayout.MaxPageOrder)));

    /// <summary>Sends the pool descriptor and the offers.</summary>
    public static void Send(Socket socket, GrantPool pool, ushort domain, IReadOnlyList<RingOffer> rings)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(rings);
        if (rings.Count is < 1 or > MaxRings)
        {
            throw new ArgumentOutOfRangeException(nameof(rings), $"A handoff carries 1..{MaxRings} rings.");
        }

        var buffer = new byte[MaxMessage];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], domain);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)rings.Count);
        var offset = 8;
        foreach (var ring in rings)
        {
            if (ring.RingRefs.Length is not (1 or 2 or 4 or 8 or 16))
            {
                throw new ArgumentException($"A ring spans 1, 2, 4, 8 or 16 pages, not {ring.RingRefs.Length}.", nameof(rings));
            }

            span[offset] = (byte)ring.PageOrder;
            BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 4)..], ring.RequestPort);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 8)..], ring.ResponsePort);
            offset += 12;
            foreach (var gref in ring.RingRefs)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], gref.Value);
                offset += 4;
            }
        }

        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, offset);
        var fd = (int)pool.FileDescriptor.DangerousGetHandle();
        FdPassing.Send(socket, length, [fd]);
        FdPassing.Send(socket, span[..offset], []);
    }

    /// <summary>
    /// Receives a handoff and attaches the pool (backend side).
    /// </summary>
    /// <exception cref="InvalidDataException">The message or the pool is malformed; nothing stays open.</exception>
    /// <exception cref="IOException">The message carried more than one descriptor; all were closed.</exception>
    public static (GrantPool Pool, ushort Domain, RingOffer[] Rings) Receive(Socket socket)
    {
        var lengthBytes = new byte[4];
        var fds = new SafeFileHandle?[1];
        var got = FdPassing.Receive(socket, lengthBytes, fds, out var fdCount);
        var fd = fdCount == 1 ? fds[0] : null;
        try
        {
            if (got == 0)
            {
                throw new EndOfStreamException("The guest closed the socket before handing over its pool.");
            }

            ReceiveExactly(socket, lengthBytes.AsSpan(got));
            if (fd is null)
            {
                throw new InvalidDataException("The handoff carried no pool descriptor.");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
            if (length is < 8 or > MaxMessage)
            {
                throw new InvalidDataException($"A handoff of {length} bytes is outside 8..{MaxMessage}.");
            }

            var message = new byte[length];
            ReceiveExactly(socket, message);
            var (domain, rings) = Parse(message);
            var owned = fd;
            fd = null; // Attach owns it from here, and closes it if it refuses the pool.
            return (GrantPool.Attach(owned), domain, rings);
        }
        finally
        {
            fd?.Dispose();
        }
    }

    private static (ushort Domain, RingOffer[] Rings) Parse(ReadOnlySpan<byte> message)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(message) != Magic)
        {
            throw new InvalidDataException("The handoff has a bad magic number.");
        }

        var domain = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(message[6..]);
        if (count is < 1 or > MaxRings)
        {
            throw new InvalidDataException($"The handoff offers {count} rings; 1..{MaxRings} are allowed.");
        }

        var rings = new RingOffer[count];
        var offset = 8;
        for (var i = 0; i < count; i++)
        {
            if (offset + 12 > message.Length)
            {
                throw new InvalidDataException("The handoff ends inside a ring offer.");
            }

            var order = message[offset];
            if (order > Rings.RingLayout.MaxPageOrder)
            {
                throw new InvalidDataException($"Ring {i} has page order {order}; 0..{Rings.RingLayout.MaxPageOrder} are allowed.");
            }

            if (message[offset + 1] != 0 || BinaryPrimitives.ReadUInt16LittleEndian(message[(offset + 2)..]) != 0)
            {
                throw new InvalidDataException($"Ring {i}'s reserved bytes are not zero.");
            }

            var requestPort = BinaryPrimitives.ReadUInt32LittleEndian(message[(offset + 4)..]);
            var responsePort = BinaryPrimitives.ReadUInt32LittleEndian(message[(offset + 8)..]);
            offset += 12;
            var refs = new GrantRef[1 << order];
            if (offset + (refs.Length * 4) > message.Length)
            {
                throw new InvalidDataException($"The handoff ends inside ring {i}'s grant references.");
            }

            for (var r = 0; r < refs.Length; r++)
            {
                refs[r] = new GrantRef(BinaryPrimitives.ReadUInt32LittleEndian(message[offset..]));
                offset += 4;
            }

            rings[i] = new RingOffer(refs, requestPort, responsePort);
        }

        if (offset != message.Length)
        {
            throw new InvalidDataException($"The handoff has {message.Length - offset} bytes after its last ring.");
        }

        return (domain, rings);
    }

    private static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var got = socket.Receive(buffer);
            if (got == 0)
            {
                throw new EndOfStreamException("The guest closed the socket in the middle of its handoff.");
            }

            buffer = buffer[got..];
        }
    }
}
