using System.Globalization;

namespace ParaIo.Load.Block;

/// <summary>Reads <c>--size</c>: bytes, or a number with K, M or G (powers of 1024, "KiB" and the like also taken).</summary>
internal static class ImageSize
{
    /// <summary>The image is filled and warmed in 1 MiB writes and reads, so it is a whole number of MiB.</summary>
    public const long Granule = 1 << 20;

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim().ToUpperInvariant();
        foreach (var suffix in new[] { "IB", "B" })
        {
            if (value.Length > suffix.Length && value.EndsWith(suffix, StringComparison.Ordinal) && !char.IsDigit(value[^(suffix.Length + 1)]))
            {
                value = value[..^suffix.Length];
                break;
            }
        }

        var shift = value[^1] switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            _ => 0,
        };
        if (shift > 0)
        {
            value = value[..^1];
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0 || number > (long.MaxValue >> shift))
        {
            return false;
        }

        bytes = number << shift;
        return bytes % Granule == 0;
    }
}
