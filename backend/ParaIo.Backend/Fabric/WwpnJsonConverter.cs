using System.Text.Json;
using System.Text.Json.Serialization;

namespace ParaIo.Backend.Fabric;

/// <summary>Keeps a WWPN in <c>fabric.json</c> as people write it, <c>50:01:43:80:00:00:00:01</c>.</summary>
public sealed class WwpnJsonConverter : JsonConverter<Wwpn>
{
    /// <inheritdoc />
    public override Wwpn Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Wwpn.TryParse(reader.GetString(), out var wwpn) ? wwpn : throw new JsonException($"'{reader.GetString()}' is not a WWPN.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Wwpn value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
