using System.Globalization;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// Rates as operators write them, in bits a second with a decimal unit — <c>200M</c> (200 Mb/s),
/// <c>1.5G</c>, <c>500K</c>; a bare number is Mb/s — held as bytes a second, the unit of
/// <see cref="Qos.QosSettings"/>.
/// </summary>
public static class BitRate
{
    /// <summary>Parses a rate into bytes a second (0 is allowed: best effort).</summary>
    public static bool TryParse(string? text, out long bytesPerSecond)
    {
        bytesPerSecond = 0;
        var span = (text ?? "").AsSpan().Trim();
        var multiplier = 1_000_000m;
        if (span.Length > 0 && char.IsAsciiLetter(span[^1]))
        {
            multiplier = char.ToUpperInvariant(span[^1]) switch
            {
                'K' => 1_000m,
                'M' => 1_000_000m,
                'G' => 1_000_000_000m,
                'T' => 1_000_000_000_000m,
                _ => 0,
            };
            span = span[..^1];
        }

        if (multiplier == 0 || !decimal.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number > 1_000_000_000m)
        {
            return false;
        }

        bytesPerSecond = (long)decimal.Round(number * multiplier / 8m);
        return true;
    }

    /// <summary>Parses a rate or throws, naming <paramref name="what"/>.</summary>
    /// <exception cref="ArgumentException">Not a rate.</exception>
    public static long Parse(string text, string what) =>
        TryParse(text, out var rate) ? rate : throw new ArgumentException($"{what} '{text}' is not a rate: write bits a second with K, M or G (200M, 1.5G); a bare number is Mb/s.");

    /// <summary>A rate in bytes a second as bits a second for people: <c>200 Mb/s</c>, <c>10 Gb/s</c>.</summary>
    public static string Format(long bytesPerSecond)
    {
        var bits = bytesPerSecond * 8m;
        return bits switch
        {
            >= 1_000_000_000m => $"{(bits / 1_000_000_000m).ToString("0.###", CultureInfo.InvariantCulture)} Gb/s",
            >= 1_000_000m => $"{(bits / 1_000_000m).ToString("0.###", CultureInfo.InvariantCulture)} Mb/s",
            >= 1_000m => $"{(bits / 1_000m).ToString("0.###", CultureInfo.InvariantCulture)} Kb/s",
            _ => $"{bits.ToString(CultureInfo.InvariantCulture)} b/s",
        };
    }
}
