using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ParaIo.Store.Tests;

/// <summary>
/// A client that breaks the protocol is disconnected, alone: the server logs why and another
/// client, connected throughout, carries on.
/// </summary>
[TestClass]
public sealed class HostileClientTests
{
    [TestMethod]
    [DataRow("oversized", "over the limit")]
    [DataRow("unknown-type", "not allowed")]
    [DataRow("xen-type-not-served", "not allowed")]
    [DataRow("reply-type-from-client", "not allowed")]
    [DataRow("second-hello", "not allowed")]
    [DataRow("no-terminator", "not NUL-terminated")]
    [DataRow("bad-utf8", "not valid UTF-8")]
    [DataRow("stray-bytes", "stray bytes")]
    [DataRow("empty-watch", "not NUL-terminated")]
    [DataRow("transaction-start-argument", "carries an argument")]
    [DataRow("set-perms-without-perms", "no permission")]
    [DataRow("control-without-terminator", "not NUL-terminated")]
    [DataRow("garbage", "")]
    public async Task AClientThatBreaksTheProtocolIsDisconnectedAndOthersCarryOn(string attack, string logged)
    {
        await using var store = new StoreFixture();
        var honest = await store.ConnectDom0Async();
        await honest.WatchAsync("/honest", "h", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(honest);
        using var hostile = await store.ConnectRawAsync();

        await hostile.SendAsync(Attack(attack));

        Assert.IsTrue(await RawFrames.ServerClosesAsync(hostile), "the server must close the hostile connection");
        await StoreFixture.WaitUntilAsync(() => store.Log.Contains(LogLevel.Warning, "disconnected: "), "the server logs the disconnection");
        Assert.IsTrue(store.Log.Contains(LogLevel.Warning, logged), store.Log.Dump());
        await honest.WriteAsync("/honest/after", attack, StoreFixture.Deadline());
        Assert.AreEqual(attack, await honest.ReadStringAsync("/honest/after", StoreFixture.Deadline()));
        Assert.AreEqual("/honest/after", (await StoreFixture.NextEventAsync(honest)).Path);
    }

    [TestMethod]
    public async Task AFrameCutShortByTheClientClosingIsLoggedAsTruncated()
    {
        await using var store = new StoreFixture();
        var honest = await store.ConnectDom0Async();
        using var hostile = await store.ConnectRawAsync();

        var frame = RawFrames.Frame(11, 1, 0, RawFrames.Strings("/partial", "value"));
        await hostile.SendAsync(frame.AsMemory(0, frame.Length - 4));
        hostile.Shutdown(SocketShutdown.Send);

        Assert.IsTrue(await RawFrames.ServerClosesAsync(hostile));
        await StoreFixture.WaitUntilAsync(() => store.Log.Contains(LogLevel.Warning, "inside a frame"), "the truncation is logged");
        Assert.IsNull(await honest.TryReadStringAsync("/partial", StoreFixture.Deadline()), "nothing of a partial frame is applied");
    }

    [TestMethod]
    public async Task AFirstFrameOtherThanHelloIsRefused()
    {
        await using var store = new StoreFixture();
        var honest = await store.ConnectDom0Async();
        using var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await raw.ConnectAsync(new UnixDomainSocketEndPoint(store.SocketPath));

        await raw.SendAsync(RawFrames.Frame(2, 1, 0, RawFrames.Strings("/")));

        Assert.IsTrue(await RawFrames.ServerClosesAsync(raw));
        await StoreFixture.WaitUntilAsync(() => store.Log.Contains(LogLevel.Warning, "not HELLO"), "the server logs it");
        Assert.AreEqual(0, (await honest.DirectoryAsync("/", StoreFixture.Deadline())).Count);
    }

    [TestMethod]
    public async Task AHelloWithABadTokenIsAnsweredEACCESAndClosed()
    {
        await using var store = new StoreFixture();
        store.IntroduceDomain(1);
        var honest = await store.ConnectGuestAsync(1);

        var refused = await Assert.ThrowsExactlyAsync<StoreException>(() => store.ConnectGuestAsync(2, token: "stolen"));

        Assert.AreEqual("EACCES", refused.ErrnoName);
        Assert.IsTrue(store.Log.Contains(LogLevel.Warning, "bad token for guest2"), store.Log.Dump());
        await honest.WriteAsync("/local/domain/1/still", "here", StoreFixture.Deadline());
        Assert.AreEqual(1, store.Server.Connections.Count);
    }

    [TestMethod]
    public async Task AHelloThatClaimsDom0FromAGuestTokenIsNotDom0()
    {
        await using var store = new StoreFixture();

        var refused = await Assert.ThrowsExactlyAsync<StoreException>(() => Client.StoreClient.ConnectAsync(store.SocketPath, "dom0", "some-token", cancellationToken: StoreFixture.Deadline()));

        Assert.AreEqual(StoreError.PermissionDenied, refused.Error);
    }

    [TestMethod]
    public async Task AConnectionThatNeverSaysHelloIsClosedAfterTheTimeout()
    {
        await using var store = new StoreFixture(helloTimeout: TimeSpan.FromMilliseconds(200));
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await silent.ConnectAsync(new UnixDomainSocketEndPoint(store.SocketPath));

        Assert.IsTrue(await RawFrames.ServerClosesAsync(silent));
        await StoreFixture.WaitUntilAsync(() => store.Log.Contains(LogLevel.Warning, "no HELLO"), "the server logs the timeout");
        var honest = await store.ConnectDom0Async();
        await honest.MkdirAsync("/fine", StoreFixture.Deadline());
    }

    [TestMethod]
    public async Task AHelloWithTooManyDescriptorsIsRefusedAndTheyAreClosed()
    {
        await using var store = new StoreFixture();
        var files = Enumerable.Range(0, 20).Select(_ => File.OpenHandle("/dev/null")).ToArray();
        try
        {
            await Assert.ThrowsExactlyAsync<StoreConnectionLostException>(() =>
                Client.StoreClient.ConnectAsync(store.SocketPath, "guest1", "token-1", files, cancellationToken: StoreFixture.Deadline()));
            await StoreFixture.WaitUntilAsync(() => store.Log.Contains(LogLevel.Warning, "too many descriptors"), "the server logs it");
        }
        finally
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
        }
    }

    [TestMethod]
    public async Task AWatcherThatDoesNotReadItsSocketIsDisconnectedInsteadOfGrowingTheDaemon()
    {
        await using var store = new StoreFixture();
        var honest = await store.ConnectDom0Async();
        using var sleeper = await store.ConnectRawAsync();
        await sleeper.SendAsync(RawFrames.Frame(4, 1, 0, RawFrames.Strings("/", "all")));

        // Never read: the socket buffer fills, then the server's queue, then it gives up.
        var value = new byte[64];
        for (var i = 0; i < 200_000 && store.Server.Connections.Count > 1; i++)
        {
            store.Tree.Write(0, "/churn", value);
        }

        await StoreFixture.WaitUntilAsync(() => store.Log.Contains(LogLevel.Warning, "backed up"), "the backlog is logged");
        await StoreFixture.WaitUntilAsync(() => store.Server.Connections.Count == 1, "the sleeper is gone");
        Assert.AreEqual(64, (await honest.ReadAsync("/churn", StoreFixture.Deadline())).Length);
    }

    private static byte[] Attack(string attack) => attack switch
    {
        // A header that announces more than the limit; the payload never comes.
        "oversized" => RawFrames.Frame(11, 1, 0, [], announcedLength: 8193),
        "unknown-type" => RawFrames.Frame(99, 1, 0, RawFrames.Strings("/")),
        "xen-type-not-served" => RawFrames.Frame(10, 1, 0, RawFrames.Strings("1")),
        "reply-type-from-client" => RawFrames.Frame(15, 1, 0, RawFrames.Strings("/", "t")),
        "second-hello" => RawFrames.Frame(128, 1, 0, RawFrames.Strings("dom0", string.Empty)),
        "no-terminator" => RawFrames.Frame(2, 1, 0, "/path"u8.ToArray()),
        "bad-utf8" => RawFrames.Frame(2, 1, 0, [(byte)'/', 0xFF, 0xFE, 0]),
        "stray-bytes" => RawFrames.Frame(2, 1, 0, RawFrames.Strings("/a", "b")),
        "empty-watch" => RawFrames.Frame(4, 1, 0, []),
        "transaction-start-argument" => RawFrames.Frame(6, 1, 0, RawFrames.Strings("x")),
        "set-perms-without-perms" => RawFrames.Frame(14, 1, 0, RawFrames.Strings("/")),
        "control-without-terminator" => RawFrames.Frame(0, 1, 0, [.. RawFrames.Strings("domain-list"), .. "web"u8]),
        "garbage" => Garbage(),
        _ => throw new ArgumentOutOfRangeException(nameof(attack)),
    };

    private static byte[] Garbage()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
