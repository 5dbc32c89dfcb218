using System.CommandLine;
using System.Globalization;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary><c>paraioctl store ls|read|write|rm|watch</c>: the store itself, as domain 0.</summary>
internal static class StoreCommands
{
    /// <summary>The token paraioctl registers its watch with; it only has the one.</summary>
    public const string WatchToken = "paraioctl";

    public static Command Build(CommandRunner runner, HelpWithExamples help)
    {
        var store = new Command("store", "Read, write and watch paraiod's store (a XenStore-like tree) as domain 0.");
        help.Add(store, "paraioctl store ls /local/domain/1", "paraioctl store watch /local/domain/1/device --count 1");
        store.Subcommands.Add(List(runner, help));
        store.Subcommands.Add(Read(runner, help));
        store.Subcommands.Add(Write(runner, help));
        store.Subcommands.Add(Remove(runner, help));
        store.Subcommands.Add(Watch(runner, help));
        return store;
    }

    private static Argument<string> PathArgument(string description) => new("PATH") { Description = description };

    private static Command List(CommandRunner runner, HelpWithExamples help)
    {
        var path = PathArgument("The subtree to list.");
        path.DefaultValueFactory = _ => "/";
        var perms = new Option<bool>("--perms", "-p") { Description = "Show each node's permission list, for example (n0,r1): owner 0, nothing for others, read for domain 1." };
        var command = new Command(
            "ls",
            "List a subtree like xenstore-ls, name = \"value\" a node under its parent. --json: an object a node (name, path, value, perms, children).");
        help.Add(command, "paraioctl store ls", "paraioctl store ls /local/domain/0/backend --perms");
        command.Arguments.Add(path);
        command.Options.Add(perms);
        runner.SetAction(command, async context =>
        {
            var daemon = await context.ConnectAsync().ConfigureAwait(false);
            var root = await StoreSubtree.ReadAsync(daemon.Store, context.Get(path)!, context.Get(perms), context.Cancellation).ConfigureAwait(false);
            if (context.Json)
            {
                context.Console.WriteJson(writer => StoreView.WriteNodeJson(writer, root));
            }
            else
            {
                StoreView.Tree(context.Console, root);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Read(CommandRunner runner, HelpWithExamples help)
    {
        var path = PathArgument("The node to read.");
        var command = new Command("read", "Print a node's value as it is. With --json: {\"path\": ..., \"value\": ...}.");
        help.Add(command, "paraioctl store read /local/domain/1/device/loop/0/state");
        command.Arguments.Add(path);
        runner.SetAction(command, async context =>
        {
            var daemon = await context.ConnectAsync().ConfigureAwait(false);
            var node = context.Get(path)!;
            var value = await daemon.Store.ReadAsync(node, context.Cancellation).ConfigureAwait(false);
            if (context.Json)
            {
                context.Console.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", node);
                    StoreView.WriteValue(writer, value);
                    writer.WriteEndObject();
                });
            }
            else
            {
                context.Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(value));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Write(CommandRunner runner, HelpWithExamples help)
    {
        var path = PathArgument("The node to write; missing parents are created.");
        var value = new Argument<string>("VALUE") { Description = "The value, stored as UTF-8." };
        var command = new Command("write", "Write a value to a node, creating it and missing parents. Prints nothing; --json: {\"path\": ..., \"value\": ...}.");
        help.Add(command, "paraioctl store write /tool/maintenance yes");
        command.Arguments.Add(path);
        command.Arguments.Add(value);
        runner.SetAction(command, async context =>
        {
            var daemon = await context.ConnectAsync().ConfigureAwait(false);
            var node = context.Get(path)!;
            var text = context.Get(value) ?? string.Empty;
            await daemon.Store.WriteAsync(node, text, context.Cancellation).ConfigureAwait(false);
            if (context.Json)
            {
                context.Console.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", node);
                    writer.WriteString("value", text);
                    writer.WriteEndObject();
                });
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CommandRunner runner, HelpWithExamples help)
    {
        var path = PathArgument("The node to remove, with everything below it.");
        var command = new Command("rm", "Remove a node and everything below it. Prints nothing; --json: {\"path\": ..., \"removed\": true}.");
        help.Add(command, "paraioctl store rm /tool/maintenance");
        command.Arguments.Add(path);
        runner.SetAction(command, async context =>
        {
            var daemon = await context.ConnectAsync().ConfigureAwait(false);
            var node = context.Get(path)!;
            await daemon.Store.RemoveAsync(node, context.Cancellation).ConfigureAwait(false);
            if (context.Json)
            {
                context.Console.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", node);
                    writer.WriteBoolean("removed", true);
                    writer.WriteEndObject();
                });
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch(CommandRunner runner, HelpWithExamples help)
    {
        var path = PathArgument("The node to watch, with everything below it (or a special name such as @releaseDomain).");
        var count = new Option<int?>("--count", "-n") { Description = "Stop after this many events.", HelpName = "N" };
        count.Validators.Add(result =>
        {
            // A token that is not a number at all is the parser's error already.
            if (result.Tokens is [var token] && int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n < 1)
            {
                result.AddError("--count must be at least 1.");
            }
        });
        var timeout = new Option<double?>("--timeout") { Description = "Stop after this many seconds; exit 1 if --count events have not come by then.", HelpName = "SECONDS" };
        timeout.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && !(seconds > 0 && seconds <= int.MaxValue / 1000))
            {
                result.AddError("--timeout must be a positive number of seconds.");
            }
        });
        var command = new Command(
            "watch",
            "Print each change at or below PATH as it happens, a path a line (--json: one {\"path\",\"token\"} object a line), until Ctrl+C, --count or --timeout.");
        help.Add(command, "paraioctl store watch /local/domain/1/device", "paraioctl store watch /local/domain/0/backend --count 2 --timeout 30");
        command.Arguments.Add(path);
        command.Options.Add(count);
        command.Options.Add(timeout);
        runner.SetAction(command, async context =>
        {
            var watched = context.Get(path)!;
            var wanted = context.Get(count);
            var seconds = context.Get(timeout);
            var daemon = await context.ConnectAsync().ConfigureAwait(false);
            var events = daemon.Store.WatchEvents;
            await daemon.Store.WatchAsync(watched, WatchToken, context.Cancellation).ConfigureAwait(false);

            // A new watch fires once at once (Xen's semantics), before the reply to WATCH: it says
            // nothing changed, so it is dropped rather than counted.
            await events.ReadAsync(context.Cancellation).ConfigureAwait(false);
            context.Console.Error.WriteLine($"Watching {watched}; Ctrl+C to stop.");
            context.Console.Error.Flush();

            using var deadline = new CancellationTokenSource();
            if (seconds is { } limit)
            {
                deadline.CancelAfter(TimeSpan.FromSeconds(limit));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation, deadline.Token);
            var seen = 0;
            try
            {
                while (wanted is null || seen < wanted)
                {
                    var change = await events.ReadAsync(stop.Token).ConfigureAwait(false);
                    seen++;
                    if (context.Json)
                    {
                        context.Console.WriteJson(
                            writer =>
                            {
                                writer.WriteStartObject();
                                writer.WriteString("path", change.Path);
                                writer.WriteString("token", change.Token);
                                writer.WriteEndObject();
                            },
                            indented: false);
                    }
                    else
                    {
                        context.Console.Out.WriteLine(change.Path);
                        context.Console.Out.Flush();
                    }
                }
            }
            catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
            {
                // Ctrl+C is how an open-ended watch is meant to end.
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                if (wanted is { } target)
                {
                    throw new CtlFailure(ExitCodes.Refused, string.Create(CultureInfo.InvariantCulture, $"{watched}: {seen} of {target} events within {seconds} s"));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
