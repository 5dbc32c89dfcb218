using System.Buffers;

namespace ParaIo.Store.Protocol;

/// <summary>Cuts frames out of a pipe's buffer, refusing a bad header before its payload arrives.</summary>
internal static class FrameReader
{
    /// <summary>
    /// True with a whole frame (its payload still in <paramref name="buffer"/>, which is advanced past
    /// it). Throws <see cref="ProtocolViolationException"/> as soon as a header announces a payload
    /// over <paramref name="maxPayload"/> or a type <paramref name="isAllowed"/> refuses.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxPayload, Func<StoreMessageType, bool> isAllowed, out MessageHeader header, out ReadOnlySequence<byte> payload)
    {
        header = default;
        payload = default;
        if (buffer.Length < MessageLayout.Size)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[MessageLayout.Size];
        buffer.Slice(0, MessageLayout.Size).CopyTo(bytes);
        header = MessageLayout.Read(bytes);
        Validate(header, maxPayload, isAllowed);
        if (buffer.Length < MessageLayout.Size + header.Length)
        {
            return false;
        }

        payload = buffer.Slice(MessageLayout.Size, header.Length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    public static void Validate(in MessageHeader header, int maxPayload, Func<StoreMessageType, bool> isAllowed)
    {
        if (header.Length > (uint)maxPayload)
        {
            throw new ProtocolViolationException($"a {header.Type} frame announces {header.Length} payload bytes, over the limit of {maxPayload}");
        }

        if (!isAllowed(header.Type))
        {
            throw new ProtocolViolationException($"message type {(uint)header.Type} is not allowed here");
        }
    }
}
