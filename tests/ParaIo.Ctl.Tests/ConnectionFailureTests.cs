using System.Net.Sockets;
using ParaIo.Store.Server;

namespace ParaIo.Ctl.Tests;

/// <summary>What paraioctl says, and exits with, when it cannot do its work: one line, no stack trace.</summary>
[TestClass]
public sealed class ConnectionFailureTests
{
    [TestMethod]
    public async Task NoSocketMeansTheDaemonIsNotRunning()
    {
        var directory = Directory.CreateTempSubdirectory("paraio-ctl-test-");
        var path = Path.Combine(directory.FullName, "paraiod.sock");
        try
        {
            var run = await CtlFixture.RunAgainstAsync(path, "domain", "list");

            Assert.AreEqual(3, run.ExitCode, run.ToString());
            Assert.AreEqual($"paraioctl: paraiod is not running (no socket at {path}). Start it with 'paraiod' or set --socket/PARAIO_SOCKET.", run.Stderr.Trim());
            Assert.AreEqual(string.Empty, run.Stdout);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [TestMethod]
    public async Task ASocketNobodyListensOnMeansTheDaemonIsNotRunning()
    {
        var directory = Directory.CreateTempSubdirectory("paraio-ctl-test-");
        var path = Path.Combine(directory.FullName, "stale.sock");
        try
        {
            // What a daemon that crashed leaves. .NET unlinks the path it bound when the socket is
            // disposed, so the file is moved away from under it first.
            var bound = Path.Combine(directory.FullName, "bound.sock");
            using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                stale.Bind(new UnixDomainSocketEndPoint(bound));
                File.Move(bound, path);
            }

            var run = await CtlFixture.RunAgainstAsync(path, "store", "ls", "--json");

            Assert.AreEqual(3, run.ExitCode, run.ToString());
            StringAssert.StartsWith(run.Stderr, $"paraioctl: paraiod is not running (nobody listens on {path}).");
            Assert.AreEqual(string.Empty, run.Stdout);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [TestMethod]
    public async Task ARefusedHelloIsPermissionDenied()
    {
        await using var ctl = new CtlFixture(authenticator: (_, _) => ValueTask.FromResult(AuthenticationResult.Refuse("not today")));

        var run = await ctl.RunAsync("device", "list");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual($"paraioctl: permission denied: only root or the daemon's user may manage ParaIo (socket {ctl.SocketPath})", run.Stderr.Trim());
    }

    [TestMethod]
    public async Task AConnectionThatIsNotDomainZeroIsPermissionDeniedForControl()
    {
        await using var ctl = new CtlFixture(authenticator: (_, _) => ValueTask.FromResult(AuthenticationResult.Accept(7)));

        var run = await ctl.RunAsync("domain", "list");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.StartsWith(run.Stderr, "paraioctl: permission denied: only root or the daemon's user may manage ParaIo");
    }

    [TestMethod]
    public async Task AStoreWithoutControlHandlerSaysSo()
    {
        await using var ctl = new CtlFixture(noControlHandler: true);

        var run = await ctl.RunAsync("domain", "list");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual($"paraioctl: paraiod does not take control commands on {ctl.SocketPath} (EINVAL)", run.Stderr.Trim());
    }

    [TestMethod]
    public async Task AFailingDaemonIsEIOAndAnUnreadableAnswerIsReported()
    {
        await using (var failing = new CtlFixture(controlHandler: (_, _, _) => throw new InvalidOperationException("boom")))
        {
            var run = await failing.RunAsync("domain", "create", "web");

            Assert.AreEqual(1, run.ExitCode, run.ToString());
            Assert.AreEqual("paraioctl: paraiod failed to carry out 'domain-create'; its log says why (EIO)", run.Stderr.Trim());
        }

        await using var garbled = new CtlFixture(controlHandler: (_, _, _) => ValueTask.FromResult("OK"));
        var unreadable = await garbled.RunAsync("domain", "list");

        Assert.AreEqual(1, unreadable.ExitCode, unreadable.ToString());
        StringAssert.StartsWith(unreadable.Stderr, "paraioctl: paraiod answered 'domain-list' with something paraioctl cannot read");
    }

    [TestMethod]
    public async Task ARefusalWithoutAMessageStillNamesTheCommand()
    {
        await using var ctl = new CtlFixture(controlHandler: (_, _, _) => ValueTask.FromResult("""{"ok":false,"error":"EBUSY"}"""));

        var run = await ctl.RunAsync("domain", "destroy", "web");

        Assert.AreEqual((1, "paraioctl: paraiod refused 'domain-destroy' (EBUSY)"), (run.ExitCode, run.Stderr.Trim()));
    }

    [TestMethod]
    public async Task TheSocketEnvironmentVariableIsTheDefault()
    {
        await using var ctl = new CtlFixture();
        var previous = Environment.GetEnvironmentVariable("PARAIO_SOCKET");
        Environment.SetEnvironmentVariable("PARAIO_SOCKET", ctl.SocketPath);
        try
        {
            var stdout = new SharedWriter();
            var stderr = new SharedWriter();
            var exitCode = await CtlApp.RunAsync(["store", "write", "/from/env", "yes"], stdout.Writer, stderr.Writer, CtlFixture.Deadline());

            Assert.AreEqual(0, exitCode, stderr.Text);
            Assert.AreEqual("yes", ctl.Tree.ReadString(0, "/from/env"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PARAIO_SOCKET", previous);
        }
    }
}
