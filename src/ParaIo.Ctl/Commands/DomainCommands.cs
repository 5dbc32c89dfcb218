using System.CommandLine;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl domain create|list|destroy</c>: paraiod's <c>domain-*</c> control commands.</summary>
internal static class DomainCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var domain = new Command("domain", "Create, list and destroy guest domains.");
        help.Add(domain, "paraioctl domain create web --device loop", "paraioctl domain list", "paraioctl domain destroy web");
        domain.Subcommands.Add(Create(runner, help));
        domain.Subcommands.Add(List(runner, help));
        domain.Subcommands.Add(Destroy(runner, help));
        return domain;
    }

    private static Command Create(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The new domain's name; the guest gives it with its token." };
        var devices = new Option<string[]>("--device", "-d")
        {
            Description = "A device to give the domain, TYPE or TYPE:ID (the id is the next free one when left out). Repeat for more.",
            HelpName = "TYPE[:ID]",
        };
        devices.Validators.Add(DeviceSpec.Validate);
        var disks = new Option<string[]>("--disk")
        {
            Description = "A disk to give the domain as its next vbd device; NAME:r for read-only. Repeat for more (see paraioctl disk create).",
            HelpName = "NAME[:r]",
        };
        var profile = new Option<string?>("--profile")
        {
            Description = "A server profile to bind to the new domain: it gets the profile's vNICs and disks (see paraioctl profile create).",
            HelpName = "PROFILE",
        };
        var command = new Command(
            "create",
            "Create a guest domain with its devices. paraiod picks the domain id and generates its secret token; start the guest with the paraio-guest command line printed.");
        help.Add(command, "paraioctl domain create web --device loop --device loop:1", "paraioctl domain create db --disk data --disk base:r", "paraioctl domain create web1 --profile web");
        command.Arguments.Add(name);
        command.Options.Add(devices);
        command.Options.Add(disks);
        command.Options.Add(profile);
        runner.SetAction(command, async context =>
        {
            var diskDevices = (context.Get(disks) ?? []).Select(d => d.EndsWith(":r", StringComparison.Ordinal) ? $"vbd,disk={d[..^2]},mode=r" : $"vbd,disk={d}");
            string[] create = context.Get(profile) is { } bound ? ["profile-domain-create", bound, context.Get(name)!] : ["domain-create", context.Get(name)!];
            var result = await context.ControlAsync([.. create, .. context.Get(devices) ?? [], .. diskDevices]).ConfigureAwait(false);
            context.Show(result, () => DomainView.Created(context.Console, result));

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var command = new Command("list", "List the guest domains with their state (created, connected, disconnected) and device count.");
        help.Add(command, "paraioctl domain list --json");
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("domain-list").ConfigureAwait(false);
            context.Show(result, () => DomainView.List(context.Console, result));

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Destroy(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The domain to destroy." };
        var command = new Command("destroy", "Destroy a guest domain and its devices.");
        help.Add(command, "paraioctl domain destroy web");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("domain-destroy", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => DomainView.Destroyed(context.Console, result));

            return ExitCodes.Ok;
        });
        return command;
    }
}
