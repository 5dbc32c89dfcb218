using System.CommandLine;
using System.Globalization;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl disk create|adopt|list|resize|delete|attach|detach</c>: paraiod's <c>disk-*</c> control commands.</summary>
internal static class DiskCommands
{
    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var disk = new Command("disk", "Image-file disks: create, list, resize and delete them, and attach them to domains as vbd devices (a guest sees each one as an NBD export).");
        help.Add(disk, "paraioctl disk create data --size 1G", "paraioctl disk attach data web", "paraioctl disk list");
        disk.Subcommands.Add(Create(runner, help));
        disk.Subcommands.Add(Adopt(runner, help));
        disk.Subcommands.Add(San(runner, help));
        disk.Subcommands.Add(List(runner, help));
        disk.Subcommands.Add(Resize(runner, help));
        disk.Subcommands.Add(Delete(runner, help));
        disk.Subcommands.Add(Attach(runner, help));
        disk.Subcommands.Add(Detach(runner, help));
        return disk;
    }

    private static Argument<string> DiskName() => new("DISK") { Description = "The disk's name." };

    private static Command Create(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The new disk's name (letters, digits, '-', '_', '.')." };
        var size = new Option<long>("--size", "-s") { Description = "Its size: bytes, or with K, M, G or T (powers of 1024); whole 512-byte sectors.", Required = true, CustomParser = ByteSize.Parse, HelpName = "SIZE" };
        var path = new Option<string?>("--path") { Description = "Where to create the image (default: disks/NAME.img in paraiod's state directory).", HelpName = "FILE" };
        var command = new Command("create", "Create a disk: a new raw image file, sparse (it takes host space only as the guest writes).");
        help.Add(command, "paraioctl disk create data --size 10G", "paraioctl disk create scratch -s 512M --path /srv/images/scratch.img");
        command.Arguments.Add(name);
        command.Options.Add(size);
        command.Options.Add(path);
        runner.SetAction(command, async context =>
        {
            var bytes = context.Get(size).ToString(CultureInfo.InvariantCulture);
            var file = context.Get(path);
            var result = await context.ControlAsync(file is null ? ["disk-create", context.Get(name)!, bytes] : ["disk-create", context.Get(name)!, bytes, Path.GetFullPath(file)]).ConfigureAwait(false);
            context.Show(result, () => DiskView.Created(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Adopt(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The disk's name." };
        var path = new Argument<string>("FILE") { Description = "An existing raw image; its size is its length in whole 512-byte sectors." };
        var command = new Command("adopt", "Make an existing raw image file a disk, as it is.");
        help.Add(command, "paraioctl disk adopt base /srv/images/debian.raw");
        command.Arguments.Add(name);
        command.Arguments.Add(path);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("disk-adopt", context.Get(name)!, Path.GetFullPath(context.Get(path)!)).ConfigureAwait(false);
            context.Show(result, () => DiskView.Created(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command San(CommandRunner runner, HelpWithExamples help)
    {
        var name = new Argument<string>("NAME") { Description = "The disk's name." };
        var uri = new Argument<string>("NBD-URI") { Description = "The export: nbd+unix:///EXPORT?socket=PATH or nbd://HOST:PORT/EXPORT. The server must answer now." };
        var command = new Command("san", "Make an export on a SAN (an NBD server such as nbdkit or qemu-nbd) a disk. paraiod keeps the connection and reconnects when the server restarts; requests wait for it up to 30 s, then fail as I/O errors.");
        help.Add(command, "paraioctl disk san shared 'nbd+unix:///?socket=/run/san/lun0.sock'", "paraioctl disk san vol1 nbd://192.0.2.10:10809/vol1");
        command.Arguments.Add(name);
        command.Arguments.Add(uri);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("disk-san", context.Get(name)!, context.Get(uri)!).ConfigureAwait(false);
            context.Show(result, () => DiskView.Created(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var command = new Command("list", "List the disks: size, host space used, image file, and the domains they are attached to.");
        help.Add(command, "paraioctl disk list --json");
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("disk-list").ConfigureAwait(false);
            context.Show(result, () => DiskView.List(context.Console, result));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Resize(CommandRunner runner, HelpWithExamples help)
    {
        var name = DiskName();
        var size = new Option<long>("--size", "-s") { Description = "The new size (not smaller: shrinking would cut data off). A guest sees it when its disk next connects.", Required = true, CustomParser = ByteSize.Parse, HelpName = "SIZE" };
        var command = new Command("resize", "Grow a disk.");
        help.Add(command, "paraioctl disk resize data --size 20G");
        command.Arguments.Add(name);
        command.Options.Add(size);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("disk-resize", context.Get(name)!, context.Get(size).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine($"Disk {JsonFields.Text(result, "name")} is now {ByteSize.Format(JsonFields.Long(result, "bytes"))}."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CommandRunner runner, HelpWithExamples help)
    {
        var name = DiskName();
        var keep = new Option<bool>("--keep-image") { Description = "Forget the disk but leave its image file in place." };
        var command = new Command("delete", "Delete a disk and its image file. Refused while it is attached to a domain.");
        help.Add(command, "paraioctl disk delete scratch", "paraioctl disk delete base --keep-image");
        command.Arguments.Add(name);
        command.Options.Add(keep);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync(context.Get(keep) ? ["disk-delete", context.Get(name)!, "keep-image"] : ["disk-delete", context.Get(name)!]).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine(
                $"Deleted disk {JsonFields.Text(result, "name")}; its image {JsonFields.Text(result, "path")} was {(JsonFields.Text(result, "imageDeleted") == "true" ? "removed" : "kept")}."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Attach(CommandRunner runner, HelpWithExamples help)
    {
        var name = DiskName();
        var domain = new Argument<string>("DOMAIN") { Description = "The domain that gets the disk as its next vbd device." };
        var readOnly = new Option<bool>("--read-only", "-r") { Description = "The guest may read but not write. A disk has at most one writer; any number of readers." };
        var command = new Command("attach", "Give a domain a disk as a vbd device. A running guest gets it at once, as a new NBD export; otherwise the guest finds it when it starts.");
        help.Add(command, "paraioctl disk attach data web", "paraioctl disk attach base web --read-only");
        command.Arguments.Add(name);
        command.Arguments.Add(domain);
        command.Options.Add(readOnly);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("disk-attach", context.Get(name)!, context.Get(domain)!, context.Get(readOnly) ? "r" : "w").ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine(
                $"Attached disk {JsonFields.Text(result, "disk")} to {JsonFields.Text(result, "domain")} as {JsonFields.Text(result, "type")} {JsonFields.NumberText(result, "id")} ({(JsonFields.Text(result, "mode") == "r" ? "read-only" : "read-write")})."));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Detach(CommandRunner runner, HelpWithExamples help)
    {
        var name = DiskName();
        var domain = new Argument<string>("DOMAIN") { Description = "The domain to take the disk from." };
        var command = new Command("detach", "Take a disk away from a domain. A running guest closes its export: requests in flight fail with EIO and its NBD clients are disconnected (after at most 5 s, whether the guest answers or not).");
        help.Add(command, "paraioctl disk detach data web");
        command.Arguments.Add(name);
        command.Arguments.Add(domain);
        runner.SetAction(command, async context =>
        {
            var result = await context.ControlAsync("disk-detach", context.Get(name)!, context.Get(domain)!).ConfigureAwait(false);
            context.Show(result, () => context.Console.Out.WriteLine(
                $"Detached disk {JsonFields.Text(result, "disk")} from {JsonFields.Text(result, "domain")} ({string.Join(", ", JsonFields.ItemsOrEmpty(result, "devices").Select(d => d.GetString()))})."));
            return ExitCodes.Ok;
        });
        return command;
    }

}
