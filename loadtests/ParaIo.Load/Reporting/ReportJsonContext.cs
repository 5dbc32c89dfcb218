using System.Text.Json.Serialization;

namespace ParaIo.Load.Reporting;

/// <summary>Source-generated JSON for the report: no reflection, and NaN (a transport with no samples) written as "NaN".</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RingReport))]
[JsonSerializable(typeof(BlockReport))]
[JsonSerializable(typeof(NetReport))]
[JsonSerializable(typeof(Qos.QosReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
