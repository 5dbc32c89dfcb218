using System.Globalization;
using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>The fabric's rules for names and priorities, shared by its records and the control commands.</summary>
public static class FabricNames
{
    /// <summary>A name of a vNIC, vHBA, profile, template, module or class: 1..32 letters, digits, '-', '_' or '.', not starting with '.' or '-'.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= 32 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && name[0] is not ('.' or '-');

    /// <summary>Throws unless <paramref name="name"/> is a valid name for <paramref name="what"/>.</summary>
    /// <exception cref="ArgumentException">Not a valid name.</exception>
    public static void Check(string name, string what)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a {what} name: 1..32 letters, digits, '-', '_' or '.', not starting with '.' or '-'.");
        }
    }

    /// <summary>Parses a priority, 0 (highest) to 7.</summary>
    /// <exception cref="ArgumentException">Not a number in 0..7.</exception>
    public static int ParsePriority(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var priority) && priority <= QosSettings.LowestPriority
            ? priority
            : throw new ArgumentException($"'{text}' is not a priority: 0 (highest) to 7 (lowest).");
}
