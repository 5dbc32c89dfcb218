using System.CommandLine;
using System.Globalization;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl bridge list|show|uplink add|uplink remove</c>: paraiod's <c>bridge-*</c> control commands.</summary>
internal static class BridgeCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var bridge = new Command("bridge", "The software bridges the guests' vifs join: their ports and counters, the MAC addresses they learned, and TAP uplinks to the host's network.");
        help.Add(bridge, "paraioctl bridge list", "paraioctl bridge show br0", "paraioctl bridge uplink add br0 ptap0");
        bridge.Subcommands.Add(List(runner, help));
        bridge.Subcommands.Add(Show(runner, help));
        var uplink = new Command("uplink", "TAP uplinks: a bridge port that is a TAP interface in paraiod's (or a named) network namespace, so the host's stack is on the bridge. Needs root.");
        help.Add(uplink, "paraioctl bridge uplink add br0 ptap0", "paraioctl bridge uplink remove br0 ptap0");
        uplink.Subcommands.Add(UplinkAdd(runner, help));
        uplink.Subcommands.Add(UplinkRemove(runner, help));
        bridge.Subcommands.Add(uplink);
        return bridge;
    }

    private static Argument<string> BridgeName() => new("BRIDGE") { Description = "The bridge's name (vifs name theirs with bridge=, default br0)." };

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var command = new Command("list", "List the bridges: ports (vifs and uplinks), learned addresses, MAC aging time, traffic in.");
        help.Add(command, "paraioctl bridge list --json");
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("bridge-list").ConfigureAwait(false);
            context.Show(result, () => BridgeView.List(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CommandRunner runner, HelpWithExamples help)
    {
        var name = BridgeName();
        var command = new Command("show", "Show one bridge: each port with its VLAN and counters (frames and bytes in and out, drops, floods) and the MAC table with each address's port and age.");
        help.Add(command, "paraioctl bridge show br0", "paraioctl bridge show br0 --json");
        command.Arguments.Add(name);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("bridge-show", context.Get(name)!).ConfigureAwait(false);
            context.Show(result, () => BridgeView.Show(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command UplinkAdd(CommandRunner runner, HelpWithExamples help)
    {
        var name = BridgeName();
        var tap = new Argument<string>("TAP") { Description = "The TAP interface's name; a persistent TAP of that name (ip tuntap add … mode tap vnet_hdr) is attached, else one is made." };
        var netns = new Option<string?>("--netns", "-n") { Description = "Open the TAP in this named network namespace (ip netns add NAME) instead of paraiod's.", HelpName = "NAME" };
        var vlan = new Option<int?>("--vlan") { Description = "The uplink port's access VLAN (1..4094; default 1).", HelpName = "ID" };
        var command = new Command("add", "Open a TAP uplink and put it on a bridge (made if need be). Its frames carry checksum and TSO offloads both ways.");
        help.Add(command, "paraioctl bridge uplink add br0 ptap0", "paraioctl bridge uplink add br0 ptap1 --netns host-lab --vlan 10");
        command.Arguments.Add(name);
        command.Arguments.Add(tap);
        command.Options.Add(netns);
        command.Options.Add(vlan);
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "bridge-uplink-add", context.Get(name)!, context.Get(tap)!, context.Get(netns) ?? "-" };
            if (context.Get(vlan) is { } id)
            {
                arguments.Add(id.ToString(CultureInfo.InvariantCulture));
            }

            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine(
                $"Uplink {JsonFields.Text(result, "tap")} is on bridge {JsonFields.Text(result, "bridge")} ({(JsonFields.Text(result, "namespace") is { Length: > 0 } ns ? $"namespace {ns}" : "paraiod's namespace")}, {JsonFields.Text(result, "vlan")}, offloads {JsonFields.Text(result, "offloads")})."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command UplinkRemove(CommandRunner runner, HelpWithExamples help)
    {
        var name = BridgeName();
        var tap = new Argument<string>("TAP") { Description = "The uplink's TAP name, as bridge show lists it." };
        var command = new Command("remove", "Take a TAP uplink off its bridge and close it (a TAP paraiod made goes away).");
        help.Add(command, "paraioctl bridge uplink remove br0 ptap0");
        command.Arguments.Add(name);
        command.Arguments.Add(tap);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("bridge-uplink-remove", context.Get(name)!, context.Get(tap)!).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine($"Uplink {JsonFields.Text(result, "tap")} left bridge {JsonFields.Text(result, "bridge")}."));
            return ExitCodes.Ok;
        });
        return command;
    }

}
