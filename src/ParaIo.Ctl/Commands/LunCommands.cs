using System.CommandLine;
using System.Globalization;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl lun create|list|mask|unmask|delete</c>: paraiod's <c>lun-*</c> control commands.</summary>
internal static class LunCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var lun = new Command("lun", "LUNs: disks (image files or SAN exports) with the WWPNs they are masked to. A vHBA sees a LUN only while it is masked to the vHBA's WWPN; a device vbd,vhba=NAME,lun=LUN is refused otherwise, checked at every connect.");
        help.Add(lun, "paraioctl lun create data --size 10G --mask db0", "paraioctl lun mask data web-hba0", "paraioctl lun list");
        lun.Subcommands.Add(Create(runner, help));
        lun.Subcommands.Add(List(runner, help));
        lun.Subcommands.Add(Mask(runner, help, "mask", "Let a vHBA see a LUN: mask the LUN to the vHBA's WWPN. A vHBA of a bound profile gives its domain the disk at once (hot-plug).", "Masked"));
        lun.Subcommands.Add(Mask(runner, help, "unmask", "Hide a LUN from a vHBA. A guest connected through it keeps going; its next connect is refused.", "Unmasked"));
        lun.Subcommands.Add(Delete(runner, help));
        return lun;
    }

    private static Command Create(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The LUN's name, which is its disk's name." };
        var size = new Option<long?>("--size", "-s") { Description = "Create a new sparse image of this size (K, M, G, T: powers of 1024), as disk create does.", CustomParser = r => ByteSize.Parse(r), HelpName = "SIZE" };
        var path = new Option<string?>("--path") { Description = "Where to create the image (with --size; default: disks/NAME.img in paraiod's state directory).", HelpName = "FILE" };
        var san = new Option<string?>("--san") { Description = "Make an export on a SAN the LUN, as disk san does: nbd+unix:///EXPORT?socket=PATH or nbd://HOST:PORT/EXPORT.", HelpName = "NBD-URI" };
        var masks = new Option<string[]>("--mask", "-m") { Description = "A vHBA (or WWPN) to mask the LUN to. Repeat for more.", HelpName = "VHBA|WWPN" };
        var command = new Command("create", "Create a LUN: a new disk (--size, or --san), or, with neither, the existing disk of that name (see paraioctl disk list).");
        help.Add(command, "paraioctl lun create data --size 10G --mask db0", "paraioctl lun create shared --san nbd://192.0.2.10:10809/vol1", "paraioctl lun create base");
        command.Arguments.Add(name);
        command.Options.Add(size);
        command.Options.Add(path);
        command.Options.Add(san);
        command.Options.Add(masks);
        command.Validators.Add(result =>
        {
            if (result.GetValue(size) is not null && result.GetValue(san) is not null)
            {
                result.AddError("--size makes an image and --san adopts an export: give one.");
            }

            if (result.GetValue(path) is not null && result.GetValue(size) is null)
            {
                result.AddError("--path goes with --size.");
            }
        });
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "lun-create", context.Get(name)! };
            FabricArguments.Add(arguments, "size", context.Get(size)?.ToString(CultureInfo.InvariantCulture));
            FabricArguments.Add(arguments, "path", context.Get(path) is { } file ? Path.GetFullPath(file) : null);
            FabricArguments.Add(arguments, "san", context.Get(san));
            foreach (var mask in context.Get(masks) ?? [])
            {
                FabricArguments.Add(arguments, "mask", mask);
            }

            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => LunView.Masking(context.Console, result, "Created"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var command = new Command("list", "List the LUNs: kind, size, the vHBAs they are masked to and the domains using them.");
        help.Add(command, "paraioctl lun list", "paraioctl lun list --json");
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("lun-list").ConfigureAwait(false);
            context.Show(result, () => LunView.List(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Mask(CommandRunner runner, HelpWithExamples help, string verb, string description, string done)
    {
        var name = new Argument<string>("LUN") { Description = "The LUN." };
        var vhba = new Argument<string>("VHBA|WWPN") { Description = "A vHBA's name, or a WWPN (50:01:43:80:xx:xx:xx:xx)." };
        var command = new Command(verb, description);
        help.Add(command, $"paraioctl lun {verb} data db0", $"paraioctl lun {verb} data 50:01:43:80:00:00:00:07");
        command.Arguments.Add(name);
        command.Arguments.Add(vhba);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync($"lun-{verb}", context.Get(name)!, context.Get(vhba)!).ConfigureAwait(false);
            context.Show(result, () => LunView.Masking(context.Console, result, done));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("LUN") { Description = "The LUN." };
        var command = new Command("delete", "Forget a LUN and its masking; its disk stays (paraioctl disk delete removes it). Refused while a domain's disk goes through it.");
        help.Add(command, "paraioctl lun delete data");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("lun-delete", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine($"Deleted LUN {JsonFields.Text(result, "name")}; its disk stays."));
            return ExitCodes.Ok;
        });
        return command;
    }
}
