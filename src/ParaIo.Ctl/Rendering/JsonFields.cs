using System.Globalization;
using System.Text.Json;

namespace ParaIo.Ctl.Rendering;

/// <summary>
/// Lenient reads of paraiod's result objects for the human views: a missing or odd field shows as
/// <c>?</c> rather than failing a listing (the JSON view passes everything through untouched).
/// </summary>
internal static class JsonFields
{
    public static string Text(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return "?";
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? string.Empty,
            JsonValueKind.Null => string.Empty,
            _ => value.GetRawText(),
        };
    }

    public static int? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : null;

    public static long Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : -1;

    public static string NumberText(JsonElement element, string name) =>
        Number(element, name)?.ToString(CultureInfo.InvariantCulture) ?? Text(element, name);

    /// <summary>The items of a list result; anything but an array is an answer paraioctl cannot read.</summary>
    public static JsonElement.ArrayEnumerator Items(JsonElement element, string command)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new CtlFailure(ExitCodes.Refused, $"paraiod answered '{command}' with {element.ValueKind} where a list belongs");
        }

        return element.EnumerateArray();
    }

    public static IEnumerable<JsonElement> ItemsOrEmpty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];
}
