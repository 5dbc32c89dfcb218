using System.CommandLine;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl vnic create|list|set|delete</c>: paraiod's <c>vnic-*</c> control commands.</summary>
internal static class VnicCommands
{
    private const string ClassHelp = "A traffic class, NAME:RATE:MATCH[+MATCH…][:prio=N][:ceil=RATE], MATCH being tcp/PORT, udp/FIRST-LAST or any/PORT; frames take the first class they match. Repeat for more";

    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var vnic = new Command("vnic", "vNICs: virtual Ethernet adapters carved out of a VNIC-module port, each with its MAC, committed rate, burst, priority, ceiling and traffic classes. A domain's vif uses one with vif,vnic=NAME.");
        help.Add(vnic, "paraioctl vnic create sap0 --port nic0/0 --rate 200M --ceiling 200M --class sap:100M:tcp/3200-3299 --class exchange:70M:tcp/135+tcp/443 --class backup:30M:tcp/10000", "paraioctl vnic list");
        vnic.Subcommands.Add(Create(runner, help));
        vnic.Subcommands.Add(List(runner, help));
        vnic.Subcommands.Add(Set(runner, help));
        vnic.Subcommands.Add(Delete(runner, help));
        return vnic;
    }

    private static Option<string[]> Classes() => new("--class", "-c") { Description = ClassHelp + ".", HelpName = "CLASS" };

    private static Option<string?> Ceiling() => new("--ceiling") { Description = $"Hard limit, {FabricArguments.RateHelp}; none removes it.", HelpName = "RATE|none" };

    private static Option<string?> Burst() => new("--burst") { Description = "Bytes it may send at once after idling (K, M: powers of 1024); 0 picks the port's default.", HelpName = "SIZE" };

    private static Command Create(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The vNIC's name (letters, digits, '-', '_', '.')." };
        var port = FabricArguments.Port("VNIC-module", "nic0/0");
        var mac = new Option<string?>("--mac") { Description = "Its MAC address; the next of the pool (locally administered) when left out.", HelpName = "MAC" };
        var rate = FabricArguments.Rate("Committed rate, guaranteed and counted against the port's line rate (default 0: best effort)");
        var burst = Burst();
        var priority = FabricArguments.Priority();
        var ceiling = Ceiling();
        var classes = Classes();
        var command = new Command("create", "Create a vNIC. Refused when its commitment would take the port's commitments past its line rate, or its module carries 256 vNICs.");
        help.Add(command, "paraioctl vnic create web0 --port nic0/0 --rate 100M --priority 2", "paraioctl vnic create sap0 --port nic0/0 --rate 200M --ceiling 200M --class sap:100M:tcp/3200-3299 --class exchange:70M:tcp/135 --class backup:30M:tcp/10000:prio=6");
        command.Arguments.Add(name);
        command.Options.Add(port);
        command.Options.Add(mac);
        command.Options.Add(rate);
        command.Options.Add(burst);
        command.Options.Add(priority);
        command.Options.Add(ceiling);
        command.Options.Add(classes);
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "vnic-create", context.Get(name)!, context.Get(port)! };
            FabricArguments.Add(arguments, "mac", context.Get(mac));
            FabricArguments.Add(arguments, "rate", context.Get(rate));
            FabricArguments.Add(arguments, "burst", FabricArguments.Bytes(context.Get(burst)));
            FabricArguments.Add(arguments, "prio", context.Get(priority));
            FabricArguments.Add(arguments, "ceil", context.Get(ceiling));
            foreach (var cls in context.Get(classes) ?? [])
            {
                FabricArguments.Add(arguments, "class", cls);
            }

            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => VnicView.Created(context.Console, result, "Created"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var command = new Command("list", "List the vNICs: MAC, port, service level, classes, the profile they belong to and the domains using them.");
        help.Add(command, "paraioctl vnic list", "paraioctl vnic list --json");
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("vnic-list").ConfigureAwait(false);
            context.Show(result, () => VnicView.List(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Set(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The vNIC." };
        var rate = FabricArguments.Rate("New committed rate");
        var burst = Burst();
        var priority = FabricArguments.Priority();
        var ceiling = Ceiling();
        var classes = Classes();
        var noClasses = new Option<bool>("--no-classes") { Description = "Remove every traffic class." };
        var command = new Command("set", "Change a vNIC's service level or classes while its guest runs: its port schedules by the new ones at once. --class replaces all the classes.");
        help.Add(command, "paraioctl vnic set web0 --rate 300M --ceiling none", "paraioctl vnic set sap0 --class sap:120M:tcp/3200-3299 --class backup:80M:tcp/10000:prio=6");
        command.Arguments.Add(name);
        command.Options.Add(rate);
        command.Options.Add(burst);
        command.Options.Add(priority);
        command.Options.Add(ceiling);
        command.Options.Add(classes);
        command.Options.Add(noClasses);
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "vnic-set", context.Get(name)! };
            FabricArguments.Add(arguments, "rate", context.Get(rate));
            FabricArguments.Add(arguments, "burst", FabricArguments.Bytes(context.Get(burst)));
            FabricArguments.Add(arguments, "prio", context.Get(priority));
            FabricArguments.Add(arguments, "ceil", context.Get(ceiling));
            var given = context.Get(classes) ?? [];
            if (context.Get(noClasses))
            {
                if (given.Length > 0)
                {
                    throw new CtlFailure(ExitCodes.Usage, "--no-classes and --class contradict each other.");
                }

                FabricArguments.Add(arguments, "classes", "none");
            }

            foreach (var cls in given)
            {
                FabricArguments.Add(arguments, "class", cls);
            }

            if (arguments.Count == 2)
            {
                throw new CtlFailure(ExitCodes.Usage, "Nothing to change: give --rate, --burst, --priority, --ceiling, --class or --no-classes.");
            }

            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => VnicView.Created(context.Console, result, "Changed"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The vNIC." };
        var command = new Command("delete", "Delete a vNIC and release its MAC. Refused while a domain's vif uses it (take the device away first) and for a profile's vNIC (delete the profile).");
        help.Add(command, "paraioctl vnic delete web0");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("vnic-delete", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => VnicView.Deleted(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }
}
