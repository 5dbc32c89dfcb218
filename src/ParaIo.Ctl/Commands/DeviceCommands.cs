using System.CommandLine;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl device list</c>: paraiod's <c>device-list</c> control command.</summary>
internal static class DeviceCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var device = new Command("device", "Show the guests' devices and where each stands in the frontend/backend handshake.");
        help.Add(device, "paraioctl device list --domain web");
        device.Subcommands.Add(List(runner, help));
        return device;
    }

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var domain = new Option<string>("--domain") { Description = "Only this domain's devices.", HelpName = "NAME" };
        var command = new Command(
            "list",
            "List devices with both ends' XenbusState (InitWait, Connected, Closed, ...; 'missing' when an end has published none) and their store paths.");
        help.Add(command, "paraioctl device list", "paraioctl device list --domain web --json");
        command.Options.Add(domain);
        runner.SetAction(command, async context =>
        {
            var name = context.Get(domain);
            var result = await context.ControlAsync(name is null ? ["device-list"] : ["device-list", name]).ConfigureAwait(false);
            context.Show(result, () => DeviceView.List(context.Console, result));

            return ExitCodes.Ok;
        });
        return command;
    }
}
