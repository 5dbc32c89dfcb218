using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ParaIo.Load.Reporting;

/// <summary>A command's report as one JSON document on stdout (progress stays on stderr).</summary>
internal static class JsonReport
{
    public static void Write<T>(T report, JsonTypeInfo<T> type)
    {
        using var stdout = Console.OpenStandardOutput();
        JsonSerializer.Serialize(stdout, report, type);
        stdout.Write("\n"u8);
    }
}
