namespace ParaIo.Ctl.Tests;

/// <summary>Help that names every command with an example, and usage errors that exit 2.</summary>
[TestClass]
public sealed class HelpTests
{
    [TestMethod]
    public async Task TopLevelHelpNamesEveryCommandGroup()
    {
        var run = await RunAsync("--help");

        Assert.AreEqual(0, run.ExitCode);
        StringAssert.Contains(run.Stdout, "paraioctl [command] [options]");
        foreach (var command in new[] { "domain", "device", "store", "--socket", "--json", "Exit codes", "Examples:" })
        {
            StringAssert.Contains(run.Stdout, command);
        }
    }

    [TestMethod]
    [DataRow("domain", "create", "list", "destroy")]
    [DataRow("device", "list")]
    [DataRow("store", "ls", "read", "write", "rm", "watch")]
    public async Task EachGroupsHelpNamesItsCommands(string group, params string[] commands)
    {
        var run = await RunAsync(group, "--help");

        Assert.AreEqual(0, run.ExitCode);
        foreach (var command in commands)
        {
            StringAssert.Contains(run.Stdout, $"  {command}");
        }
    }

    [TestMethod]
    [DataRow("domain create", "paraioctl domain create web --device loop --device loop:1", "--device")]
    [DataRow("domain list", "paraioctl domain list --json", "--json")]
    [DataRow("domain destroy", "paraioctl domain destroy web", "<NAME>")]
    [DataRow("device list", "paraioctl device list --domain web --json", "--domain")]
    [DataRow("store ls", "paraioctl store ls /local/domain/0/backend --perms", "--perms")]
    [DataRow("store read", "paraioctl store read /local/domain/1/device/loop/0/state", "<PATH>")]
    [DataRow("store write", "paraioctl store write /tool/maintenance yes", "<VALUE>")]
    [DataRow("store rm", "paraioctl store rm /tool/maintenance", "<PATH>")]
    [DataRow("store watch", "paraioctl store watch /local/domain/0/backend --count 2 --timeout 30", "--timeout")]
    public async Task EachCommandsHelpExplainsItWithAnExample(string command, string example, string mentions)
    {
        var run = await RunAsync([.. command.Split(' '), "--help"]);

        Assert.AreEqual(0, run.ExitCode);
        StringAssert.Contains(run.Stdout, $"paraioctl {command}");
        StringAssert.Contains(run.Stdout, "Description:");
        StringAssert.Contains(run.Stdout, example);
        StringAssert.Contains(run.Stdout, mentions);
        StringAssert.Contains(run.Stdout, "--socket");
    }

    [TestMethod]
    [DataRow("", "paraioctl")]
    [DataRow("domain", "paraioctl domain")]
    [DataRow("domain create", "paraioctl domain create")]
    [DataRow("store write /x", "paraioctl store write")]
    [DataRow("store frobnicate", "paraioctl store")]
    [DataRow("store watch /x --count zero", "paraioctl store watch")]
    public async Task AUsageErrorExitsTwoAndPointsAtTheRightHelp(string line, string command)
    {
        var run = await RunAsync(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.StartsWith(run.Stderr, "paraioctl: ");
        StringAssert.EndsWith(run.Stderr.TrimEnd(), $"Try '{command} --help'.");
        Assert.AreEqual(string.Empty, run.Stdout);
    }

    private static async Task<CtlRun> RunAsync(params string[] args)
    {
        var stdout = new SharedWriter();
        var stderr = new SharedWriter();
        var exitCode = await CtlApp.RunAsync(args, stdout.Writer, stderr.Writer, CtlFixture.Deadline()).WaitAsync(CtlFixture.Timeout);
        return new CtlRun(exitCode, stdout.Text, stderr.Text);
    }
}
