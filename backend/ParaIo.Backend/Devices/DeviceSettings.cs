using System.Collections.Frozen;

namespace ParaIo.Backend.Devices;

/// <summary>Helpers for a device's operator settings (<c>key=value</c> pairs).</summary>
public static class DeviceSettings
{
    /// <summary>No settings.</summary>
    public static IReadOnlyDictionary<string, string> None { get; } = FrozenDictionary<string, string>.Empty;

    /// <summary>Refuses any key not in <paramref name="known"/>, naming it and the known ones.</summary>
    /// <exception cref="ArgumentException">An unknown key.</exception>
    public static void AllowOnly(string deviceType, IReadOnlyDictionary<string, string> settings, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var key in settings.Keys)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                var allowed = known.Length == 0 ? "it takes none" : "it takes " + string.Join(", ", known);
                throw new ArgumentException($"A {deviceType} device has no setting '{key}'; {allowed}.");
            }
        }
    }
}
