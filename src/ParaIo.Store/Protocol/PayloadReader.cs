using System.Text;

namespace ParaIo.Store.Protocol;

/// <summary>
/// Takes a payload apart into NUL-terminated strings. Every string must be valid UTF-8; a missing
/// terminator or a bad byte is a protocol violation, not an error reply.
/// </summary>
internal ref struct PayloadReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private ReadOnlySpan<byte> _rest;

    public PayloadReader(ReadOnlySpan<byte> payload)
    {
        _rest = payload;
    }

    public readonly bool IsEmpty => _rest.IsEmpty;

    /// <summary>What follows the strings read so far (a WRITE's value).</summary>
    public readonly ReadOnlySpan<byte> Rest => _rest;

    /// <summary>Reads one NUL-terminated string or throws <see cref="ProtocolViolationException"/>.</summary>
    public string ReadString(string what)
    {
        var end = _rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw new ProtocolViolationException($"the {what} is not NUL-terminated");
        }

        var bytes = _rest[..end];
        _rest = _rest[(end + 1)..];
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new ProtocolViolationException($"the {what} is not valid UTF-8");
        }

        return s_strictUtf8.GetString(bytes);
    }

    /// <summary>Throws unless the whole payload has been read.</summary>
    public readonly void ExpectEnd(string what)
    {
        if (!_rest.IsEmpty)
        {
            throw new ProtocolViolationException($"{_rest.Length} stray bytes after the {what}");
        }
    }
}
