using System.CommandLine;
using System.CommandLine.Help;
using ParaIo.Ctl.Commands;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl;

/// <summary>The command tree of paraioctl.</summary>
internal static class CtlCommands
{
    public static Command Build(CtlConsole console)
    {
        var options = new GlobalOptions();
        var runner = new CommandRunner(options, console);
        var helpOption = new HelpOption();
        var help = new HelpWithExamples((HelpAction)helpOption.Action!);
        helpOption.Action = help;

        // A Command rather than a RootCommand: its name is paraioctl in every help text, also when
        // the app runs inside another process (tests) whose executable has another name.
        var root = new Command(CtlApp.ProgramName, """
            Manage ParaIo: guest domains and their devices in paraiod, disks, bridges, the I/O fabric (modules, vNICs, vHBAs, LUNs, profiles), and paraiod's store.
            Talks to the store socket as domain 0 (root or the daemon's user).

            Exit codes: 0 ok, 1 refused or failed (reason on stderr), 2 usage, 3 paraiod not running.
            """);
        help.Add(root, "paraioctl domain create web --device loop", "paraioctl device list", "paraioctl store ls /local/domain");
        root.Options.Add(helpOption);
        root.Options.Add(new VersionOption());
        root.Options.Add(options.Socket);
        root.Options.Add(options.Json);
        root.Subcommands.Add(DomainCommands.Build(runner, help));
        root.Subcommands.Add(DeviceCommands.Build(runner, help));
        root.Subcommands.Add(DiskCommands.Build(runner, help));
        root.Subcommands.Add(BridgeCommands.Build(runner, help));
        root.Subcommands.Add(ModuleCommands.Build(runner, help));
        root.Subcommands.Add(VnicCommands.Build(runner, help));
        root.Subcommands.Add(VhbaCommands.Build(runner, help));
        root.Subcommands.Add(LunCommands.Build(runner, help));
        root.Subcommands.Add(ProfileCommands.Build(runner, help));
        root.Subcommands.Add(StoreCommands.Build(runner, help));
        return root;
    }
}
