using System.Buffers;
using System.Globalization;
using System.Text;

namespace ParaIo.Ctl.Rendering;

/// <summary>
/// A store value as one printable line, as xenstore-ls shows it: quotes, backslashes and control
/// characters escaped, bytes that are not UTF-8 as <c>\xNN</c>.
/// </summary>
internal static class StoreValueText
{
    public static string Escape(ReadOnlySpan<byte> value)
    {
        var text = new StringBuilder(value.Length);
        while (!value.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(value, out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{value[0]:x2}");
                value = value[1..];
                continue;
            }

            switch (rune.Value)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case '"':
                    text.Append("\\\"");
                    break;
                case '\n':
                    text.Append(@"\n");
                    break;
                case '\r':
                    text.Append(@"\r");
                    break;
                case '\t':
                    text.Append(@"\t");
                    break;
                default:
                    if (Rune.IsControl(rune))
                    {
                        text.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    }
                    else
                    {
                        text.Append(rune.ToString());
                    }

                    break;
            }

            value = value[consumed..];
        }

        return text.ToString();
    }
}
