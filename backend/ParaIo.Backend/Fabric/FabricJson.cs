using System.Text.Json.Serialization;

namespace ParaIo.Backend.Fabric;

/// <summary>The serializer of <c>fabric.json</c>: MACs and WWPNs as text, protocols by name.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    Converters = [typeof(MacAddressJsonConverter), typeof(WwpnJsonConverter)])]
[JsonSerializable(typeof(FabricState))]
internal sealed partial class FabricJson : JsonSerializerContext;
