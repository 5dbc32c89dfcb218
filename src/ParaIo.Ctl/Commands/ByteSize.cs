using System.CommandLine.Parsing;
using System.Globalization;

namespace ParaIo.Ctl.Commands;

/// <summary>Sizes as operators write them: <c>1073741824</c>, <c>512M</c>, <c>1G</c>, <c>2GiB</c> (powers of 1024).</summary>
internal static class ByteSize
{
    private static readonly System.Buffers.SearchValues<char> s_digits = System.Buffers.SearchValues.Create("0123456789");

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var span = text.AsSpan().Trim();
        var shift = 0;
        var unitAt = span.IndexOfAnyExcept(s_digits);
        if (unitAt == 0)
        {
            return false;
        }

        if (unitAt > 0)
        {
            var unit = span[unitAt..].ToString().ToUpperInvariant();
            shift = unit switch
            {
                "K" or "KB" or "KIB" => 10,
                "M" or "MB" or "MIB" => 20,
                "G" or "GB" or "GIB" => 30,
                "T" or "TB" or "TIB" => 40,
                _ => -1,
            };
            if (shift < 0)
            {
                return false;
            }

            span = span[..unitAt];
        }

        if (!long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0 || number > (long.MaxValue >> shift))
        {
            return false;
        }

        bytes = number << shift;
        return true;
    }

    /// <summary>A System.CommandLine parser: a malformed or unaligned size is a usage error.</summary>
    public static long Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (!TryParse(text, out var bytes))
        {
            result.AddError($"'{text}' is not a size: write bytes, or a number with K, M, G or T (powers of 1024), for example 1G.");
            return 0;
        }

        if (bytes % 512 != 0)
        {
            result.AddError($"{text} is not a whole number of 512-byte sectors.");
            return 0;
        }

        return bytes;
    }

    public static string Format(long bytes) => bytes switch
    {
        < 0 => "?",
        >= 1L << 40 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.##} KiB",
        _ => $"{bytes} B",
    };
}
