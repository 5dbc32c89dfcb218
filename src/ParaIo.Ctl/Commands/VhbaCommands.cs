using System.CommandLine;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl vhba create|list|set|delete</c>: paraiod's <c>vhba-*</c> control commands.</summary>
internal static class VhbaCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var vhba = new Command("vhba", "vHBAs: virtual host bus adapters on a VHBA-module port, each with its WWPN, bandwidth and IOPS limits and priority; a vHBA sees only the LUNs masked to its WWPN. A domain's disk goes through one with vbd,vhba=NAME,lun=LUN.");
        help.Add(vhba, "paraioctl vhba create db0 --port hba0/0 --rate 400M --iops 20000", "paraioctl lun mask data db0", "paraioctl domain create db --device vbd,vhba=db0,lun=data");
        vhba.Subcommands.Add(Create(runner, help));
        vhba.Subcommands.Add(List(runner, help));
        vhba.Subcommands.Add(Set(runner, help));
        vhba.Subcommands.Add(Delete(runner, help));
        return vhba;
    }

    private static Option<string?> Limit() => new("--limit") { Description = $"Bandwidth limit, {FabricArguments.RateHelp}; none removes it.", HelpName = "RATE|none" };

    private static Option<string?> Iops() => new("--iops") { Description = "Requests a second it may not exceed; none removes the limit.", HelpName = "N|none" };

    private static Command Create(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The vHBA's name (letters, digits, '-', '_', '.')." };
        var port = FabricArguments.Port("VHBA-module", "hba0/0");
        var wwpn = new Option<string?>("--wwpn") { Description = "Its WWPN, 50:01:43:80:xx:xx:xx:xx; the next of the pool when left out.", HelpName = "WWPN" };
        var rate = FabricArguments.Rate("Committed bandwidth, guaranteed and counted against the port's line rate (default 0: best effort)");
        var limit = Limit();
        var iops = Iops();
        var priority = FabricArguments.Priority();
        var command = new Command("create", "Create a vHBA. Refused when its commitment would take the port's commitments past its line rate, or its WWPN is taken.");
        help.Add(command, "paraioctl vhba create db0 --port hba0/0 --rate 400M --limit 1G --iops 20000 --priority 1");
        command.Arguments.Add(name);
        command.Options.Add(port);
        command.Options.Add(wwpn);
        command.Options.Add(rate);
        command.Options.Add(limit);
        command.Options.Add(iops);
        command.Options.Add(priority);
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "vhba-create", context.Get(name)!, context.Get(port)! };
            FabricArguments.Add(arguments, "wwpn", context.Get(wwpn));
            FabricArguments.Add(arguments, "rate", context.Get(rate));
            FabricArguments.Add(arguments, "limit", context.Get(limit));
            FabricArguments.Add(arguments, "iops", context.Get(iops));
            FabricArguments.Add(arguments, "prio", context.Get(priority));
            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => VhbaView.Created(context.Console, result, "Created"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var command = new Command("list", "List the vHBAs: WWPN, port, service level, the LUNs each sees, the profile they belong to, the domains using them and their counters.");
        help.Add(command, "paraioctl vhba list", "paraioctl vhba list --json");
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("vhba-list").ConfigureAwait(false);
            context.Show(result, () => VhbaView.List(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Set(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The vHBA." };
        var rate = FabricArguments.Rate("New committed bandwidth");
        var limit = Limit();
        var iops = Iops();
        var priority = FabricArguments.Priority();
        var mask = new Option<string[]>("--mask") { Description = "A LUN to let the vHBA see (as paraioctl lun mask does); a vHBA of a bound profile gives its domain the disk at once. Repeat for more.", HelpName = "LUN" };
        var unmask = new Option<string[]>("--unmask") { Description = "A LUN to hide from the vHBA: its next connect is refused. Repeat for more.", HelpName = "LUN" };
        var command = new Command("set", "Change a vHBA's service level and the LUNs it sees while its guest runs: its next request is admitted by the new service level.");
        help.Add(command, "paraioctl vhba set db0 --iops 5000 --priority 6", "paraioctl vhba set db0 --limit none --mask logs --unmask scratch");
        command.Arguments.Add(name);
        command.Options.Add(rate);
        command.Options.Add(limit);
        command.Options.Add(iops);
        command.Options.Add(priority);
        command.Options.Add(mask);
        command.Options.Add(unmask);
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "vhba-set", context.Get(name)! };
            FabricArguments.Add(arguments, "rate", context.Get(rate));
            FabricArguments.Add(arguments, "limit", context.Get(limit));
            FabricArguments.Add(arguments, "iops", context.Get(iops));
            FabricArguments.Add(arguments, "prio", context.Get(priority));
            foreach (var lun in context.Get(mask) ?? [])
            {
                FabricArguments.Add(arguments, "mask", lun);
            }

            foreach (var lun in context.Get(unmask) ?? [])
            {
                FabricArguments.Add(arguments, "unmask", lun);
            }

            if (arguments.Count == 2)
            {
                throw new CtlFailure(ExitCodes.Usage, "Nothing to change: give --rate, --limit, --iops, --priority, --mask or --unmask.");
            }

            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => VhbaView.Created(context.Console, result, "Changed"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The vHBA." };
        var command = new Command("delete", "Delete a vHBA and release its WWPN. Refused while a domain's disk goes through it (take the device away first) and for a profile's vHBA (delete the profile).");
        help.Add(command, "paraioctl vhba delete db0");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("vhba-delete", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => VhbaView.Deleted(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }
}
