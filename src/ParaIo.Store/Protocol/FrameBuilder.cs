using System.Buffers;
using System.Globalization;
using System.Text;

namespace ParaIo.Store.Protocol;

/// <summary>Encodes one frame into a pooled buffer: header first, then strings and bytes.</summary>
internal ref struct FrameBuilder
{
    private readonly StoreMessageType _type;
    private readonly uint _requestId;
    private readonly uint _transactionId;
    private byte[] _buffer;
    private int _length;

    public FrameBuilder(StoreMessageType type, uint requestId, uint transactionId, int payloadHint = 64)
    {
        _type = type;
        _requestId = requestId;
        _transactionId = transactionId;
        _buffer = ArrayPool<byte>.Shared.Rent(MessageLayout.Size + payloadHint);
        _length = MessageLayout.Size;
    }

    public readonly int PayloadLength => _length - MessageLayout.Size;

    /// <summary>Appends UTF-8 text and its NUL terminator.</summary>
    public void AppendString(string text)
    {
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) + 1;
        Ensure(bytes);
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
        _buffer[_length++] = 0;
    }

    /// <summary>Appends UTF-8 text without a terminator (a reply that is one text to its end).</summary>
    public void AppendText(string text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    public void AppendNumber(uint value)
    {
        Ensure(11);
        value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
        _buffer[_length++] = 0;
    }

    public void AppendBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Writes the header and hands the buffer over; the builder must not be used again.</summary>
    public OutboundFrame Complete()
    {
        MessageLayout.Write(_buffer, _type, _requestId, _transactionId, (uint)PayloadLength);
        var frame = new OutboundFrame(_buffer, _length);
        _buffer = [];
        return frame;
    }

    /// <summary>Returns the buffer without sending it.</summary>
    public void Discard()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
