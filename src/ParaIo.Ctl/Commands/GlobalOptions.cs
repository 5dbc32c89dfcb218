using System.CommandLine;
using ParaIo.Store;

namespace ParaIo.Ctl.Commands;

/// <summary>The options every command takes.</summary>
internal sealed class GlobalOptions
{
    public Option<string> Socket { get; } = new("--socket")
    {
        Description = $"paraiod's store socket (${StorePaths.SocketVariable} when set, else the daemon's default path).",
        HelpName = "PATH",
        DefaultValueFactory = _ => StorePaths.DefaultSocketPath(),
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print machine-readable JSON only.",
        Recursive = true,
    };
}
