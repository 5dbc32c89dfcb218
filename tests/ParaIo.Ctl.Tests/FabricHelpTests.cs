namespace ParaIo.Ctl.Tests;

/// <summary>The fabric's commands explain themselves with examples, and usage errors exit 2.</summary>
[TestClass]
public sealed class FabricHelpTests
{
    [TestMethod]
    [DataRow("module", "list")]
    [DataRow("vnic", "create", "list", "set", "delete")]
    [DataRow("vhba", "create", "list", "set", "delete")]
    [DataRow("lun", "create", "list", "mask", "unmask", "delete")]
    [DataRow("profile", "create", "list", "show", "bind", "unbind", "delete")]
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
    [DataRow("module list", "paraioctl module list --json", "--json")]
    [DataRow("vnic create", "--class sap:100M:tcp/3200-3299", "--ceiling")]
    [DataRow("vnic set", "paraioctl vnic set web0 --rate 300M --ceiling none", "--no-classes")]
    [DataRow("vnic delete", "paraioctl vnic delete web0", "Refused while a domain's vif uses it")]
    [DataRow("vhba create", "paraioctl vhba create db0 --port hba0/0 --rate 400M --limit 1G --iops 20000 --priority 1", "--wwpn")]
    [DataRow("vhba set", "paraioctl vhba set db0 --iops 5000 --priority 6", "--limit")]
    [DataRow("lun create", "paraioctl lun create data --size 10G --mask db0", "--san")]
    [DataRow("lun mask", "paraioctl lun mask data db0", "<VHBA|WWPN>")]
    [DataRow("lun unmask", "paraioctl lun unmask data db0", "next connect is refused")]
    [DataRow("profile create", "paraioctl profile create db --template database --lun data --lun logs", "--template")]
    [DataRow("profile bind", "paraioctl profile bind web web2", "<DOMAIN>")]
    [DataRow("profile unbind", "paraioctl profile unbind web", "keeps its identities")]
    [DataRow("domain create", "paraioctl domain create web1 --profile web", "--profile")]
    public async Task EachCommandsHelpExplainsItWithAnExample(string command, string example, string mentions)
    {
        var run = await RunAsync([.. command.Split(' '), "--help"]);

        Assert.AreEqual(0, run.ExitCode);
        StringAssert.Contains(run.Stdout, "Description:");
        StringAssert.Contains(run.Stdout, example);
        StringAssert.Contains(run.Stdout, mentions);
    }

    [TestMethod]
    [DataRow("vnic create web0", "paraioctl vnic create")]
    [DataRow("vhba create db0 --port hba0/0 --frobnicate", "paraioctl vhba create")]
    [DataRow("lun create data --path /x", "paraioctl lun create")]
    [DataRow("lun mask data", "paraioctl lun mask")]
    [DataRow("profile bind web", "paraioctl profile bind")]
    public async Task AUsageErrorExitsTwoAndPointsAtTheRightHelp(string line, string command)
    {
        var run = await RunAsync(line.Split(' '));

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.StartsWith(run.Stderr, "paraioctl: ");
        StringAssert.EndsWith(run.Stderr.TrimEnd(), $"Try '{command} --help'.");
    }

    private static async Task<CtlRun> RunAsync(params string[] args)
    {
        var stdout = new SharedWriter();
        var stderr = new SharedWriter();
        var exitCode = await CtlApp.RunAsync(args, stdout.Writer, stderr.Writer, CtlFixture.Deadline()).WaitAsync(CtlFixture.Timeout);
        return new CtlRun(exitCode, stdout.Text, stderr.Text);
    }
}
