using System.Text.Json;
using ParaIo.Store.Tree;

namespace ParaIo.Ctl.Tests;

/// <summary><c>store ls|read|write|rm|watch</c> against a real store.</summary>
[TestClass]
public sealed class StoreCommandTests
{
    [TestMethod]
    public async Task LsShowsTheSubtreeIndentedAsNameEqualsValue()
    {
        await using var ctl = new CtlFixture();
        ctl.Tree.Write(0, "/local/domain/1/name", "web");
        ctl.Tree.Write(0, "/local/domain/1/device/loop/0/state", "4");
        ctl.Tree.Write(0, "/local/domain/1/odd", "say \"hi\"\n\u0001");

        var run = await ctl.RunAsync("store", "ls", "/local/domain/1");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("/local/domain/1", run.Lines[0].Trim());
        var name = Line(run, "name = \"web\"");
        var device = Line(run, "device = \"\"");
        var state = Line(run, "state = \"4\"");
        Assert.IsTrue(Indent(state) > Indent(device) && Indent(device) == Indent(name), run.Stdout);
        Line(run, "odd = \"say \\\"hi\\\"\\n\\x01\"");
    }

    [TestMethod]
    public async Task LsWithPermsAndJson()
    {
        await using var ctl = new CtlFixture();
        ctl.Tree.Write(0, "/vm/web", "1");
        ctl.Tree.SetPermissions(0, "/vm/web", NodePermissions.Create(0, StoreAccess.None, new PermissionEntry(1, StoreAccess.Read)));

        var perms = await ctl.RunAsync("store", "ls", "/vm", "--perms");
        var json = await ctl.RunAsync("store", "ls", "/vm", "--perms", "--json");

        Assert.AreEqual(0, perms.ExitCode, perms.ToString());
        Line(perms, "web = \"1\"  (n0,r1)");
        Assert.AreEqual(0, json.ExitCode, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        var root = document.RootElement;
        Assert.AreEqual(("vm", "/vm", ""), (root.GetProperty("name").GetString(), root.GetProperty("path").GetString(), root.GetProperty("value").GetString()));
        var web = root.GetProperty("children").EnumerateArray().Single();
        Assert.AreEqual(("web", "/vm/web", "1"), (web.GetProperty("name").GetString(), web.GetProperty("path").GetString(), web.GetProperty("value").GetString()));
        CollectionAssert.AreEqual(new[] { "n0", "r1" }, web.GetProperty("perms").EnumerateArray().Select(p => p.GetString()).ToArray());
        Assert.AreEqual(0, web.GetProperty("children").GetArrayLength());
    }

    [TestMethod]
    public async Task LsDefaultsToTheRootAndAMissingPathIsENOENT()
    {
        await using var ctl = new CtlFixture();
        ctl.Tree.Write(0, "/top", "x");

        var root = await ctl.RunAsync("store", "ls");
        var missing = await ctl.RunAsync("store", "ls", "/nowhere");

        Assert.AreEqual(0, root.ExitCode, root.ToString());
        Line(root, "top = \"x\"");
        Assert.AreEqual((1, "paraioctl: /nowhere: no such node (ENOENT)"), (missing.ExitCode, missing.Stderr.Trim()));
    }

    [TestMethod]
    public async Task WriteReadAndRemove()
    {
        await using var ctl = new CtlFixture();

        var write = await ctl.RunAsync("store", "write", "/tool/note", "hello world");
        var read = await ctl.RunAsync("store", "read", "/tool/note");
        var readJson = await ctl.RunAsync("store", "read", "/tool/note", "--json");
        var remove = await ctl.RunAsync("store", "rm", "/tool", "--json");
        var gone = await ctl.RunAsync("store", "read", "/tool/note");

        Assert.AreEqual((0, string.Empty), (write.ExitCode, write.Stdout), write.ToString());
        Assert.AreEqual((0, "hello world\n"), (read.ExitCode, read.Stdout));
        using (var json = JsonDocument.Parse(readJson.Stdout))
        {
            Assert.AreEqual(("/tool/note", "hello world"), (json.RootElement.GetProperty("path").GetString(), json.RootElement.GetProperty("value").GetString()));
        }

        Assert.AreEqual(0, remove.ExitCode, remove.ToString());
        using (var json = JsonDocument.Parse(remove.Stdout))
        {
            Assert.IsTrue(json.RootElement.GetProperty("removed").GetBoolean());
        }

        Assert.IsFalse(ctl.Tree.Exists("/tool"));
        Assert.AreEqual((1, "paraioctl: /tool/note: no such node (ENOENT)"), (gone.ExitCode, gone.Stderr.Trim()));
    }

    [TestMethod]
    public async Task ABadPathIsTheStoresEINVAL()
    {
        await using var ctl = new CtlFixture();

        var run = await ctl.RunAsync("store", "write", "relative/path", "x");

        Assert.AreEqual((1, "paraioctl: relative/path: invalid path or argument (EINVAL)"), (run.ExitCode, run.Stderr.Trim()));
    }

    [TestMethod]
    public async Task WatchPrintsChangesWhileAnotherClientWritesAndStopsAtTheCount()
    {
        await using var ctl = new CtlFixture();
        var writer = await ctl.ConnectDom0Async();
        var stdout = new SharedWriter();
        var stderr = new SharedWriter();

        var watch = CtlApp.RunAsync(["store", "watch", "/w", "--count", "2", "--socket", ctl.SocketPath], stdout.Writer, stderr.Writer, CtlFixture.Deadline());
        await CtlFixture.WaitUntilAsync(() => stderr.Text.Contains("Watching /w", StringComparison.Ordinal), "the watch is registered");
        await writer.WriteAsync("/w/a", "1", CtlFixture.Deadline());
        await writer.WriteAsync("/elsewhere", "not watched", CtlFixture.Deadline());
        await writer.WriteAsync("/w/b/c", "2", CtlFixture.Deadline());
        var exitCode = await watch.WaitAsync(CtlFixture.Timeout);

        Assert.AreEqual(0, exitCode, stderr.Text);
        Assert.AreEqual("/w/a\n/w/b/c\n", stdout.Text, "the watch's own first event is not a change and is not shown");
    }

    [TestMethod]
    public async Task WatchWithJsonPrintsOneObjectALine()
    {
        await using var ctl = new CtlFixture();
        var stdout = new SharedWriter();
        var stderr = new SharedWriter();

        var watch = CtlApp.RunAsync(["store", "watch", "/j", "-n", "2", "--json", "--socket", ctl.SocketPath], stdout.Writer, stderr.Writer, CtlFixture.Deadline());
        await CtlFixture.WaitUntilAsync(() => stderr.Text.Contains("Watching", StringComparison.Ordinal), "the watch is registered");
        ctl.Tree.Write(0, "/j/x", "1");
        ctl.Tree.Remove(0, "/j/x");

        Assert.AreEqual(0, await watch.WaitAsync(CtlFixture.Timeout), stderr.Text);
        var lines = stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(2, lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.AreEqual(("/j/x", "paraioctl"), (json.RootElement.GetProperty("path").GetString(), json.RootElement.GetProperty("token").GetString()));
        }
    }

    [TestMethod]
    public async Task WatchEndsAtItsTimeoutFailingOnlyWhenACountWasNotReached()
    {
        await using var ctl = new CtlFixture();

        var quiet = await ctl.RunAsync("store", "watch", "/quiet", "--timeout", "0.2");
        var unmet = await ctl.RunAsync("store", "watch", "/quiet", "--timeout", "0.2", "--count", "1");

        Assert.AreEqual((0, string.Empty), (quiet.ExitCode, quiet.Stdout), quiet.ToString());
        Assert.AreEqual(1, unmet.ExitCode, unmet.ToString());
        StringAssert.Contains(unmet.Stderr, "paraioctl: /quiet: 0 of 1 events within 0.2 s");
    }

    [TestMethod]
    public async Task CtrlCEndsAWatchNormally()
    {
        await using var ctl = new CtlFixture();
        using var interrupt = new CancellationTokenSource();
        var stdout = new SharedWriter();
        var stderr = new SharedWriter();

        var watch = CtlApp.RunAsync(["store", "watch", "/c", "--socket", ctl.SocketPath], stdout.Writer, stderr.Writer, interrupt.Token);
        await CtlFixture.WaitUntilAsync(() => stderr.Text.Contains("Watching", StringComparison.Ordinal), "the watch is registered");
        ctl.Tree.Write(0, "/c", "1");
        await CtlFixture.WaitUntilAsync(() => stdout.Text.Length > 0, "the change is printed");
        await interrupt.CancelAsync();

        Assert.AreEqual(0, await watch.WaitAsync(CtlFixture.Timeout), stderr.Text);
        Assert.AreEqual("/c\n", stdout.Text);
    }

    private static string Line(CtlRun run, string content)
    {
        var line = run.Lines.FirstOrDefault(l => l.EndsWith(content, StringComparison.Ordinal));
        Assert.IsNotNull(line, $"no line ends with {content}:\n{run}");
        return line;
    }

    /// <summary>Where the node's name starts: the tree guides before it show its depth.</summary>
    private static int Indent(string line) => line.TakeWhile(c => !char.IsAsciiLetterOrDigit(c) && c != '/').Count();
}
