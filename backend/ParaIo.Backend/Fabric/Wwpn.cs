using System.Globalization;

namespace ParaIo.Backend.Fabric;

/// <summary>A World Wide Port Name: the 64-bit identity of a vHBA, written <c>50:01:43:80:xx:xx:xx:xx</c>.</summary>
/// <param name="Value">The eight octets, the first one highest.</param>
public readonly record struct Wwpn(ulong Value)
{
    /// <summary>Parses eight colon-separated hex octets (either case).</summary>
    public static bool TryParse(string? text, out Wwpn wwpn)
    {
        wwpn = default;
        if (text is null || text.Length != 23)
        {
            return false;
        }

        ulong value = 0;
        for (var i = 0; i < 8; i++)
        {
            if (i > 0 && text[(i * 3) - 1] != ':')
            {
                return false;
            }

            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var octet))
            {
                return false;
            }

            value = (value << 8) | octet;
        }

        wwpn = new Wwpn(value);
        return value != 0;
    }

    /// <summary>Parses a WWPN or throws.</summary>
    /// <exception cref="ArgumentException">Not eight hex octets, or all zero.</exception>
    public static Wwpn Parse(string text) =>
        TryParse(text, out var wwpn) ? wwpn : throw new ArgumentException($"'{text}' is not a WWPN: write eight hex octets, 50:01:43:80:xx:xx:xx:xx.");

    /// <inheritdoc />
    public override string ToString()
    {
        var value = Value;
        return string.Join(':', Enumerable.Range(0, 8).Select(i => ((byte)(value >> (56 - (8 * i)))).ToString("x2", CultureInfo.InvariantCulture)));
    }
}
