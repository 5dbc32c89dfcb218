using System.Globalization;
using System.Text.Json;

namespace ParaIo.Ctl.Rendering;

/// <summary>paraiod's rates (bytes a second) as operators read them, in bits a second: <c>200 Mb/s</c>, <c>10 Gb/s</c>.</summary>
internal static class RateText
{
    public static string Format(long bytesPerSecond)
    {
        var bits = bytesPerSecond * 8m;
        return bits switch
        {
            < 0 => "?",
            >= 1_000_000_000m => $"{(bits / 1_000_000_000m).ToString("0.###", CultureInfo.InvariantCulture)} Gb/s",
            >= 1_000_000m => $"{(bits / 1_000_000m).ToString("0.###", CultureInfo.InvariantCulture)} Mb/s",
            >= 1_000m => $"{(bits / 1_000m).ToString("0.###", CultureInfo.InvariantCulture)} Kb/s",
            _ => $"{bits.ToString(CultureInfo.InvariantCulture)} b/s",
        };
    }

    /// <summary>A rate field; <paramref name="absent"/> when it is null (no limit).</summary>
    public static string Field(JsonElement element, string name, string absent = "-") =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? Format(value.GetInt64())
            : absent;

    /// <summary>A count field; <paramref name="absent"/> when it is null.</summary>
    public static string Count(JsonElement element, string name, string absent = "-") =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetRawText()
            : absent;

    /// <summary>The <c>counters</c> object's field, or <c>-</c> for an adapter or port without counters.</summary>
    public static string Counter(JsonElement element, string name, Func<long, string> format) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("counters", out var counters) && counters.ValueKind == JsonValueKind.Object
            && counters.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? format((long)value.GetDouble())
            : "-";

    /// <summary>The <c>usedBy</c> list as <c>web1 vif:0, …</c>, or <c>-</c>.</summary>
    public static string Users(JsonElement element)
    {
        var users = string.Join(", ", JsonFields.ItemsOrEmpty(element, "usedBy").Select(u => $"{JsonFields.Text(u, "domain")} {JsonFields.Text(u, "device")}"));
        return users.Length == 0 ? "-" : users;
    }

    /// <summary>A text field, or <c>-</c> when it is null or empty.</summary>
    public static string OrDash(JsonElement element, string name) => JsonFields.Text(element, name) is { Length: > 0 } text ? text : "-";
}
