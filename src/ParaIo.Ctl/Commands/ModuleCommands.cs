using System.CommandLine;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl module list</c>: paraiod's <c>module-list</c> control command.</summary>
internal static class ModuleCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var module = new Command("module", "The I/O fabric's VNIC and VHBA modules and their ports (from paraiod's configuration).");
        help.Add(module, "paraioctl module list");
        var list = new Command("list", "List every port: its line rate, what its vNICs or vHBAs are committed against it, how many share it (a VNIC module carries up to 256 vNICs), and its counters.");
        help.Add(list, "paraioctl module list", "paraioctl module list --json");
        runner.SetAction(list, async context =>
        {
            var result = await context.ControlAsync("module-list").ConfigureAwait(false);
            context.Show(result, () => ModuleView.List(context.Console, result));
            return ExitCodes.Ok;
        });
        module.Subcommands.Add(list);
        return module;
    }
}
