using System.CommandLine;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl profile create|list|show|bind|unbind|delete</c>: paraiod's <c>profile-*</c> control commands.</summary>
internal static class ProfileCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var profile = new Command("profile", "Server profiles: a guest's I/O identity — vNICs and vHBAs with their MACs, WWPNs, service levels, classes and LUN masking — made from a template, bound to one domain at a time, and moved to another keeping every identity.");
        help.Add(profile, "paraioctl profile create web --lun data", "paraioctl domain create web1 --profile web", "paraioctl profile unbind web", "paraioctl profile bind web web2");
        profile.Subcommands.Add(Create(runner, help));
        profile.Subcommands.Add(List(runner, help));
        profile.Subcommands.Add(Show(runner, help));
        profile.Subcommands.Add(Bind(runner, help));
        profile.Subcommands.Add(Unbind(runner, help));
        profile.Subcommands.Add(Delete(runner, help));
        return profile;
    }

    private static Argument<string> ProfileName() => new("NAME") { Description = "The profile." };

    private static Command Create(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The profile's name (up to 24 characters); its vNICs are NAME-nic0…, its vHBAs NAME-hba0…." };
        var template = new Option<string?>("--template", "-t") { Description = "The template from paraiod's configuration (default: default).", HelpName = "TEMPLATE" };
        var luns = new Option<string[]>("--lun", "-l") { Description = "A LUN to mask to the profile's vHBAs; the domain gets it as a disk. Repeat for more.", HelpName = "LUN" };
        var command = new Command("create", "Create a profile from a template, with fresh MACs and WWPNs from the pools. It can be made before its guest's domain exists.");
        help.Add(command, "paraioctl profile create web", "paraioctl profile create db --template database --lun data --lun logs");
        command.Arguments.Add(name);
        command.Options.Add(template);
        command.Options.Add(luns);
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "profile-create", context.Get(name)! };
            FabricArguments.Add(arguments, "template", context.Get(template));
            foreach (var lun in context.Get(luns) ?? [])
            {
                FabricArguments.Add(arguments, "lun", lun);
            }

            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => ProfileView.Show(context.Console, result, "Created"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var command = new Command("list", "List the profiles: template, the domain each is bound to, their vNICs with MACs, vHBAs with WWPNs, and LUNs.");
        help.Add(command, "paraioctl profile list", "paraioctl profile list --json");
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("profile-list").ConfigureAwait(false);
            context.Show(result, () => ProfileView.List(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CommandRunner runner, HelpWithExamples help)
    {
        var name = ProfileName();
        var command = new Command("show", "Show a profile: its vNICs and vHBAs in full and the devices it gives its domain.");
        help.Add(command, "paraioctl profile show web");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("profile-show", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => ProfileView.Show(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Bind(CommandRunner runner, HelpWithExamples help)
    {
        var name = ProfileName();
        var domain = new Argument<string>("DOMAIN") { Description = "The domain that gets the profile's devices (vif,vnic=… and vbd,vhba=…,lun=…)." };
        var command = new Command("bind", "Bind an unbound profile to an existing domain; a running guest gets the devices at once (hot-plug). A domain has one profile.");
        help.Add(command, "paraioctl profile bind web web2");
        command.Arguments.Add(name);
        command.Arguments.Add(domain);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("profile-bind", context.Get(name)!, context.Get(domain)!).ConfigureAwait(false);
            context.Show(result, () => ProfileView.Bound(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Unbind(CommandRunner runner, HelpWithExamples help)
    {
        var name = ProfileName();
        var command = new Command("unbind", "Take a profile's devices from its domain (hot-unplugged from a running guest); the profile keeps its identities to be bound elsewhere.");
        help.Add(command, "paraioctl profile unbind web");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("profile-unbind", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => ProfileView.Unbound(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CommandRunner runner, HelpWithExamples help)
    {
        var name = ProfileName();
        var command = new Command("delete", "Delete an unbound profile with its vNICs and vHBAs; their MACs and WWPNs go back to the pools and LUNs are unmasked from its WWPNs.");
        help.Add(command, "paraioctl profile delete web");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("profile-delete", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine($"Deleted profile {JsonFields.Text(result, "name")} with its vNICs and vHBAs."));
            return ExitCodes.Ok;
        });
        return command;
    }
}
