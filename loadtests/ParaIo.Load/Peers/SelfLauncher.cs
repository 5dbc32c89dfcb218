using System.Diagnostics;

namespace ParaIo.Load.Peers;

/// <summary>
/// Builds the command line that starts this same tool again: the apphost directly, or, when this
/// process is the <c>dotnet</c> host running paraio-load.dll, <c>dotnet paraio-load.dll</c>.
/// </summary>
internal static class SelfLauncher
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown; cannot start the peer.");
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.Ordinal))
        {
            info.ArgumentList.Add(AssemblyPath());
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static string AssemblyPath()
    {
        var location = typeof(SelfLauncher).Assembly.Location;
        if (string.IsNullOrEmpty(location))
        {
            location = Path.Combine(AppContext.BaseDirectory, "paraio-load.dll");
        }

        if (!File.Exists(location))
        {
            throw new FileNotFoundException("Cannot find paraio-load.dll to start the peer with the dotnet host.", location);
        }

        return location;
    }
}
