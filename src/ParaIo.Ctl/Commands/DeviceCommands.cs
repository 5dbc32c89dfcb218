using System.CommandLine;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl device list|add|remove</c>: paraiod's <c>device-list</c>, <c>device-add</c> and <c>device-remove</c> control commands.</summary>
internal static class DeviceCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var device = new Command("device", "Show the guests' devices and where each stands in the frontend/backend handshake; add and remove devices, also while a guest runs (hot-plug).");
        help.Add(device, "paraioctl device list --domain web", "paraioctl device add web vif", "paraioctl device remove web vif:0");
        device.Subcommands.Add(List(runner, help));
        device.Subcommands.Add(Add(runner, help));
        device.Subcommands.Add(Remove(runner, help));
        return device;
    }

    private static Argument<string> DomainName() => new("DOMAIN") { Description = "The domain's name." };

    private static Command Add(CommandRunner runner, HelpWithExamples help)
    {
        var domain = DomainName();
        var spec = new Argument<string>("DEVICE") { Description = "TYPE[:ID][,KEY=VALUE…] as for domain create: vif, vif:1,bridge=br1, vbd,disk=data,mode=r. Without :ID the lowest free id of its type." };
        var command = new Command(
            "add",
            "Give a domain a device. A running guest gets it at once: a vbd appears as a new NBD export, a vif as a new interface; otherwise the guest finds it when it starts.");
        help.Add(command, "paraioctl device add web vif", "paraioctl device add web vbd:1,disk=data", "paraioctl device add web loop --json");
        command.Arguments.Add(domain);
        command.Arguments.Add(spec);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("device-add", context.Get(domain)!, context.Get(spec)!).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine(
                $"Added {JsonFields.Text(result, "type")}/{JsonFields.NumberText(result, "id")} ({JsonFields.Text(result, "device")}) to {JsonFields.Text(result, "domain")}."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CommandRunner runner, HelpWithExamples help)
    {
        var domain = DomainName();
        var device = new Argument<string>("DEVICE") { Description = "TYPE:ID, as device list shows it (vif/0 there is vif:0 here)." };
        var command = new Command(
            "remove",
            "Take a device from a domain. A running guest is asked to close it and has 5 s to do so; then the device is torn down whether it did or not. Requests in flight on it fail (a disk's NBD clients see EIO).");
        help.Add(command, "paraioctl device remove web vif:0", "paraioctl device remove web vbd:1 --json");
        command.Arguments.Add(domain);
        command.Arguments.Add(device);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("device-remove", context.Get(domain)!, context.Get(device)!).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine(
                $"Removed {JsonFields.Text(result, "type")}/{JsonFields.NumberText(result, "id")} ({JsonFields.Text(result, "device")}) from {JsonFields.Text(result, "domain")}."));
            return ExitCodes.Ok;
        });
        return command;
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
