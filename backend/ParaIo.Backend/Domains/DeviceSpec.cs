using System.Globalization;
using System.Text.Json.Serialization;
using ParaIo.Backend.Devices;

namespace ParaIo.Backend.Domains;

/// <summary>One device of a domain: type, device id, and the operator's settings for it.</summary>
/// <param name="Type">The device type (<c>loop</c>, <c>vbd</c>, later <c>vif</c>).</param>
/// <param name="Id">The device id within its type.</param>
/// <param name="Settings">The driver's settings, such as the disk behind a <c>vbd</c> (<c>disk=NAME</c>); empty when none.</param>
public sealed record DeviceSpec(string Type, int Id, IReadOnlyDictionary<string, string>? Settings = null)
{
    /// <summary>The settings, never null.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> EffectiveSettings => Settings ?? DeviceSettings.None;

    /// <summary>
    /// Parses <c>TYPE[:ID][,KEY=VALUE]…</c>, for example <c>loop</c>, <c>loop:1</c> or
    /// <c>vbd:0,disk=data,mode=r</c>; <paramref name="defaultId"/> when no id is given (-1: to be chosen).
    /// </summary>
    /// <exception cref="ArgumentException">The text is not a device.</exception>
    public static DeviceSpec Parse(string text, int defaultId)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',');
        var head = parts[0];
        var colon = head.IndexOf(':', StringComparison.Ordinal);
        var type = colon < 0 ? head : head[..colon];
        var id = defaultId;
        if (colon >= 0 && (!int.TryParse(head.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out id) || id > 9999))
        {
            throw new ArgumentException($"'{text}' is not a device: write TYPE[:ID][,KEY=VALUE…] with ID in 0..9999.");
        }

        if (type.Length is 0 or > 16 || !type.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"'{type}' is not a device type: 1..16 lower-case letters and digits.");
        }

        SortedDictionary<string, string>? settings = null;
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? "" : part[(equals + 1)..];
            if (key.Length is 0 or > 32 || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') || value.Length is 0 or > 256 || value.Any(char.IsControl))
            {
                throw new ArgumentException($"'{part}' in '{text}' is not a setting: write KEY=VALUE, the key in lower-case letters, digits and '-'.");
            }

            settings ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (!settings.TryAdd(key, value))
            {
                throw new ArgumentException($"The setting '{key}' is given twice in '{text}'.");
            }
        }

        return new DeviceSpec(type, id, settings);
    }

    /// <inheritdoc />
    public bool Equals(DeviceSpec? other) =>
        other is not null
        && Type == other.Type
        && Id == other.Id
        && EffectiveSettings.Count == other.EffectiveSettings.Count
        && EffectiveSettings.All(s => other.EffectiveSettings.TryGetValue(s.Key, out var v) && v == s.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Id, EffectiveSettings.Count);

    /// <inheritdoc />
    public override string ToString() =>
        string.Concat($"{Type}:{Id}", string.Concat(EffectiveSettings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $",{s.Key}={s.Value}")));
}
