using System.Runtime;
using System.Runtime.InteropServices;

namespace ParaIo.Load.Reporting;

/// <summary>Where the figures were taken, so a reader can tell two runs apart.</summary>
internal sealed record RunEnvironment(
    string Machine,
    int ProcessorCount,
    string Runtime,
    string OperatingSystem,
    string Architecture,
    bool ServerGc,
    string GcLatencyMode)
{
    public static RunEnvironment Current() => new(
        Environment.MachineName,
        Environment.ProcessorCount,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        GCSettings.IsServerGC,
        GCSettings.LatencyMode.ToString());
}
