using System.Text.Json;

namespace ParaIo.Ctl.Daemon;

/// <summary>
/// Reads paraiod's answer to a control command: always one JSON object, <c>{"ok":true,"result":...}</c>
/// or <c>{"ok":false,"error":"ENOENT","message":"..."}</c>.
/// </summary>
internal static class ControlReply
{
    /// <summary>The <c>result</c> (JSON null when absent), or a <see cref="CtlFailure"/> for a refusal or an unreadable answer.</summary>
    public static JsonElement Parse(string command, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException exception)
        {
            throw Unreadable(command, exception.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("ok", out var ok) || ok.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw Unreadable(command, "it is not an object with \"ok\"");
            }

            if (ok.GetBoolean())
            {
                // Clone: the element must outlive the document.
                return root.TryGetProperty("result", out var result) ? result.Clone() : Null();
            }

            var error = StringOrNull(root, "error");
            var message = StringOrNull(root, "message") ?? $"paraiod refused '{command}'";
            throw new CtlFailure(ExitCodes.Refused, error is null ? message : $"{message} ({error})");
        }
    }

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement Null()
    {
        using var document = JsonDocument.Parse("null");
        return document.RootElement.Clone();
    }

    private static CtlFailure Unreadable(string command, string why) =>
        new(ExitCodes.Refused, $"paraiod answered '{command}' with something paraioctl cannot read: {why}");
}
