using System.CommandLine.Parsing;
using System.Globalization;

namespace ParaIo.Ctl.Commands;

/// <summary>The <c>TYPE[:ID][,KEY=VALUE…]</c> form of <c>--device</c>, checked before anything is sent to paraiod.</summary>
internal static class DeviceSpec
{
    public static bool IsValid(string spec)
    {
        var parts = spec.Split(',');
        if (parts.Skip(1).Any(p => p.IndexOf('=', StringComparison.Ordinal) is <= 0 || p.EndsWith('=')))
        {
            return false;
        }

        spec = parts[0];
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var type = colon < 0 ? spec : spec[..colon];
        if (type.Length == 0 || !type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            return false;
        }

        return colon < 0 || uint.TryParse(spec.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>A System.CommandLine validator: a malformed device is a usage error.</summary>
    public static void Validate(OptionResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (!IsValid(token.Value))
            {
                result.AddError($"'{token.Value}' is not a device: write TYPE or TYPE:ID, then any KEY=VALUE settings after commas, for example loop, loop:1 or vbd,disk=data.");
            }
        }
    }
}
