using System.CommandLine;
using System.Globalization;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl bridge list|show|uplink add|uplink remove</c>: paraiod's <c>bridge-*</c> control commands.</summary>
internal static class BridgeCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var bridge = new Command("bridge", "The software bridges the guests' vifs join: their ports and counters, the MAC addresses they learned, and uplinks: TAPs to the host's network and VXLAN tunnels to other hosts.");
        help.Add(bridge, "paraioctl bridge list", "paraioctl bridge show br0", "paraioctl bridge uplink add br0 ptap0", "paraioctl bridge uplink add br0 vx0 --vxlan --vni 42 --remote 10.9.0.2");
        bridge.Subcommands.Add(List(runner, help));
        bridge.Subcommands.Add(Show(runner, help));
        var uplink = new Command("uplink", "Uplinks: a bridge port that is a TAP interface in paraiod's (or a named) network namespace, so the host's stack is on the bridge (needs root), or a VXLAN tunnel to a remote VTEP such as a Linux vxlan interface.");
        help.Add(uplink, "paraioctl bridge uplink add br0 ptap0", "paraioctl bridge uplink add br0 vx0 --vxlan --vni 42 --remote 10.9.0.2", "paraioctl bridge uplink remove br0 ptap0");
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
        var port = new Argument<string>("PORT") { Description = "The uplink's name: a TAP interface's (a persistent TAP of that name, ip tuntap add … mode tap vnet_hdr, is attached, else one is made), or with --vxlan the tunnel port's name on the bridge." };
        var netns = new Option<string?>("--netns", "-n") { Description = "Open the TAP in this named network namespace (ip netns add NAME) instead of paraiod's.", HelpName = "NAME" };
        var vlan = new Option<int?>("--vlan") { Description = "The uplink port's access VLAN (1..4094; default 1).", HelpName = "ID" };
        var vxlan = new Option<bool>("--vxlan") { Description = "A VXLAN tunnel (RFC 7348) to one remote VTEP instead of a TAP; needs --vni and --remote. Frames leave finished: checksums and TCP segmentation are done in software." };
        var vni = new Option<int?>("--vni") { Description = "The tunnel's VXLAN network identifier (0..16777215), as the peer's ip link add … type vxlan id VNI.", HelpName = "VNI" };
        var remote = new Option<string?>("--remote") { Description = "The remote VTEP, ADDRESS[:PORT] or [IPv6][:PORT]; the port defaults to 4789, a Linux vxlan interface's dstport.", HelpName = "ADDRESS[:PORT]" };
        var local = new Option<string?>("--local") { Description = "The local endpoint paraiod binds, in the same form (default: the wildcard address, port 4789).", HelpName = "ADDRESS[:PORT]" };
        var command = new Command("add", "Open an uplink and put it on a bridge (made if need be): a TAP, whose frames carry checksum and TSO offloads both ways, or with --vxlan a VXLAN tunnel.");
        help.Add(
            command,
            "paraioctl bridge uplink add br0 ptap0",
            "paraioctl bridge uplink add br0 ptap1 --netns host-lab --vlan 10",
            "paraioctl bridge uplink add br0 vx0 --vxlan --vni 42 --remote 10.9.0.2",
            "paraioctl bridge uplink add br0 vx1 --vxlan --vni 7 --remote 10.9.0.3:4789 --local 10.9.0.1:4789 --vlan 10");
        command.Arguments.Add(name);
        command.Arguments.Add(port);
        command.Options.Add(netns);
        command.Options.Add(vlan);
        command.Options.Add(vxlan);
        command.Options.Add(vni);
        command.Options.Add(remote);
        command.Options.Add(local);
        command.Validators.Add(result =>
        {
            if (result.GetValue(vxlan))
            {
                if (result.GetValue(vni) is null || result.GetValue(remote) is null)
                {
                    result.AddError("--vxlan needs --vni and --remote.");
                }

                if (result.GetValue(netns) is not null)
                {
                    result.AddError("--netns is for a TAP; a VXLAN tunnel's socket is in paraiod's namespace.");
                }
            }
            else if (result.GetValue(vni) is not null || result.GetValue(remote) is not null || result.GetValue(local) is not null)
            {
                result.AddError("--vni, --remote and --local are for a VXLAN tunnel: add --vxlan.");
            }
        });
        runner.SetAction(command, async context =>
        {
            var arguments = new List<string> { "bridge-uplink-add", context.Get(name)!, context.Get(port)! };
            if (context.Get(vxlan))
            {
                arguments.AddRange(["vxlan", context.Get(vni)!.Value.ToString(CultureInfo.InvariantCulture), context.Get(remote)!, context.Get(local) ?? "-"]);
            }
            else
            {
                arguments.Add(context.Get(netns) ?? "-");
            }

            if (context.Get(vlan) is { } id)
            {
                arguments.Add(id.ToString(CultureInfo.InvariantCulture));
            }

            var result = await context.ControlAsync([.. arguments]).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine(JsonFields.Text(result, "type") == "vxlan"
                ? $"Uplink {JsonFields.Text(result, "port")} is on bridge {JsonFields.Text(result, "bridge")} (VXLAN VNI {JsonFields.NumberText(result, "vni")}, {JsonFields.Text(result, "local")} to {JsonFields.Text(result, "remote")}, {JsonFields.Text(result, "vlan")})."
                : $"Uplink {JsonFields.Text(result, "tap")} is on bridge {JsonFields.Text(result, "bridge")} ({(JsonFields.Text(result, "namespace") is { Length: > 0 } ns ? $"namespace {ns}" : "paraiod's namespace")}, {JsonFields.Text(result, "vlan")}, offloads {JsonFields.Text(result, "offloads")})."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command UplinkRemove(CommandRunner runner, HelpWithExamples help)
    {
        var name = BridgeName();
        var tap = new Argument<string>("PORT") { Description = "The uplink's name, as bridge show lists it." };
        var command = new Command("remove", "Take an uplink off its bridge and close it (a TAP paraiod made goes away; a VXLAN tunnel's socket is closed).");
        help.Add(command, "paraioctl bridge uplink remove br0 ptap0", "paraioctl bridge uplink remove br0 vx0");
        command.Arguments.Add(name);
        command.Arguments.Add(tap);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("bridge-uplink-remove", context.Get(name)!, context.Get(tap)!).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine($"Uplink {JsonFields.Text(result, "port")} left bridge {JsonFields.Text(result, "bridge")}."));
            return ExitCodes.Ok;
        });
        return command;
    }

}
