using System.Text.Json;
using System.Text.Json.Serialization;
using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Fabric;

/// <summary>Keeps a MAC address in <c>fabric.json</c> as people write it, <c>02:50:10:00:00:01</c>.</summary>
public sealed class MacAddressJsonConverter : JsonConverter<MacAddress>
{
    /// <inheritdoc />
    public override MacAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        MacAddress.TryParse(reader.GetString(), out var mac) ? mac : throw new JsonException($"'{reader.GetString()}' is not a MAC address.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, MacAddress value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
