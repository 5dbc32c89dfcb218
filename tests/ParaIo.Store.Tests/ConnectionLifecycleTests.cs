using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Grants;
using ParaIo.Store.Client;
using ParaIo.Store.Server;

namespace ParaIo.Store.Tests;

/// <summary>What a connection leaves behind when it goes, and what the other side sees.</summary>
[TestClass]
public sealed class ConnectionLifecycleTests
{
    [TestMethod]
    public async Task AClientThatDisconnectsWithOpenTransactionsAndWatchesLeavesNothingBehind()
    {
        await using var store = new StoreFixture();
        store.IntroduceDomain(3);
        var survivor = await store.ConnectDom0Async();
        await survivor.WatchAsync("/local/domain/3", "survivor", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(survivor);
        var guest = await StoreClient.ConnectAsync(store.SocketPath, "guest3", "token-3", cancellationToken: StoreFixture.Deadline());
        for (var i = 0; i < 5; i++)
        {
            await guest.WatchAsync("/local/domain/3", $"w{i}", StoreFixture.Deadline());
        }

        var transaction = await guest.StartTransactionAsync(StoreFixture.Deadline());
        await transaction.WriteAsync("/local/domain/3/uncommitted", "x", StoreFixture.Deadline());
        Assert.AreEqual(6, store.Tree.WatchCount);

        await guest.DisposeAsync();

        await StoreFixture.WaitUntilAsync(() => store.Closed.Any(c => c.Domain == 3), "the host hears that domain 3's connection closed");
        Assert.AreEqual(1, store.Tree.WatchCount, "only the survivor's watch is left");
        Assert.IsFalse(store.Tree.Exists("/local/domain/3/uncommitted"));
        Assert.AreEqual("guest3", store.Closed.Single(c => c.Domain == 3).Name);
        Assert.AreEqual(1, store.Server.Connections.Count);
        await survivor.WriteAsync("/local/domain/3/after", "x", StoreFixture.Deadline());
        Assert.AreEqual("/local/domain/3/after", (await StoreFixture.NextEventAsync(survivor)).Path);
    }

    [TestMethod]
    public async Task WhenTheServerStopsPendingAndLaterRequestsFailAndEventsEnd()
    {
        var store = new StoreFixture();
        var client = await store.ConnectDom0Async();
        await client.WatchAsync("/x", "x", StoreFixture.Deadline());
        await StoreFixture.NextEventAsync(client);

        await store.Server.StopAsync(StoreFixture.Deadline());

        await client.Completion.WaitAsync(StoreFixture.Timeout);
        Assert.IsFalse(client.IsConnected);
        await Assert.ThrowsExactlyAsync<StoreConnectionLostException>(() => client.ReadAsync("/x", StoreFixture.Deadline()));
        var ended = await Assert.ThrowsExactlyAsync<System.Threading.Channels.ChannelClosedException>(async () => await client.WatchEvents.ReadAsync(StoreFixture.Deadline()));
        Assert.IsInstanceOfType<StoreConnectionLostException>(ended.InnerException);
        Assert.IsFalse(File.Exists(store.SocketPath), "the socket file is removed");
        await store.DisposeAsync();
    }

    [TestMethod]
    public async Task TheHostCanDisconnectOneConnection()
    {
        await using var store = new StoreFixture();
        store.IntroduceDomain(4);
        var guest = await store.ConnectGuestAsync(4);
        var other = await store.ConnectDom0Async();
        var id = store.Server.Connections.Single(c => c.Domain == 4).Id;

        Assert.IsTrue(store.Server.Disconnect(id));

        await guest.Completion.WaitAsync(StoreFixture.Timeout);
        await Assert.ThrowsExactlyAsync<StoreConnectionLostException>(() => guest.MkdirAsync("/local/domain/4/x", StoreFixture.Deadline()));
        await other.MkdirAsync("/still-served", StoreFixture.Deadline());
        Assert.IsFalse(store.Server.Disconnect(id));
    }

    [TestMethod]
    public async Task DisposingTheClientFailsItsPendingRequestsAndCompletesItsEvents()
    {
        await using var store = new StoreFixture();
        var client = await StoreClient.ConnectAsync(store.SocketPath, "dom0", cancellationToken: StoreFixture.Deadline());

        await client.DisposeAsync();

        Assert.IsTrue(client.Completion.IsCompleted);
        await Assert.ThrowsExactlyAsync<StoreConnectionLostException>(() => client.ReadAsync("/", StoreFixture.Deadline()));
        Assert.IsFalse(await client.WatchEvents.WaitToReadAsync(StoreFixture.Deadline()));
    }

    [TestMethod]
    public async Task ARequestWithoutAnAnswerTimesOutAndCancellationIsHonoured()
    {
        // A server that greets and then never answers.
        var directory = Directory.CreateTempSubdirectory("paraio-store-test-");
        var path = Path.Combine(directory.FullName, "mute.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var serve = Task.Run(async () =>
        {
            var connection = await listener.AcceptAsync(StoreFixture.Deadline());
            await RawFrames.ReceiveFrameAsync(connection);
            await connection.SendAsync(RawFrames.Frame(128, 0, 0, RawFrames.Strings("9")));
            return connection;
        });

        var client = await StoreClient.ConnectAsync(path, "dom0", options: new StoreClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) }, cancellationToken: StoreFixture.Deadline());
        using var connection = await serve;
        Assert.AreEqual(9, client.Domain);

        await Assert.ThrowsExactlyAsync<TimeoutException>(() => client.ReadAsync("/", StoreFixture.Deadline()));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAsync<OperationCanceledException>(() => client.ReadAsync("/", cancel.Token));
        Assert.IsTrue(client.IsConnected, "a timeout fails the request, not the connection");

        connection.Close();
        await client.Completion.WaitAsync(StoreFixture.Timeout);
        await client.DisposeAsync();
        directory.Delete(recursive: true);
    }

    [TestMethod]
    public async Task DescriptorsSentWithHelloReachTheAuthenticator()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "grant pool stand-in");
        string? seen = null;
        await using var store = new StoreFixture(onHello: hello =>
        {
            if (hello.Fds.Count == 1)
            {
                var buffer = new byte[64];
                var read = RandomAccess.Read(hello.Fds[0], buffer, 0);
                seen = System.Text.Encoding.UTF8.GetString(buffer, 0, read);
            }
        });
        using (var handle = File.OpenHandle(file))
        {
            var client = await StoreClient.ConnectAsync(store.SocketPath, "guest5", "token-5", [handle], cancellationToken: StoreFixture.Deadline());
            await client.DisposeAsync();
        }

        File.Delete(file);
        Assert.AreEqual("grant pool stand-in", seen);
    }

    [TestMethod]
    public async Task AGuestsGrantPoolHandedOverInHelloCanBeAttachedByTheHost()
    {
        SafeFileHandle[]? kept = null;
        await using var store = new StoreFixture(onHello: hello => kept = hello.DetachFds());
        using var pool = GrantPool.Create(pageCount: 16);

        var client = await StoreClient.ConnectAsync(store.SocketPath, "guest6", "token-6", [pool.FileDescriptor], cancellationToken: StoreFixture.Deadline());
        await client.DisposeAsync();

        Assert.IsNotNull(kept);
        Assert.HasCount(1, kept);
        using var attached = GrantPool.Attach(kept[0]);
        Assert.AreEqual(pool.Geometry, attached.Geometry);
    }

    [TestMethod]
    public async Task AnAuthenticatorThatThrowsRefusesTheConnection()
    {
        await using var store = new StoreFixture(onHello: _ => throw new InvalidOperationException("boom"));

        var refused = await Assert.ThrowsExactlyAsync<StoreException>(() => store.ConnectGuestAsync(1));

        Assert.AreEqual(StoreError.PermissionDenied, refused.Error);
        Assert.IsTrue(store.Log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, "boom"), store.Log.Dump());
    }

    [TestMethod]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task ASecondServerOnTheSamePathIsRefusedAndAStaleSocketIsReplaced()
    {
        await using var store = new StoreFixture();
        var second = new StoreServer(new StoreServerOptions { SocketPath = store.SocketPath, Authenticator = StoreAuthenticators.LocalDom0() });

        Assert.ThrowsExactly<IOException>(second.Start);

        var directory = Directory.CreateTempSubdirectory("paraio-store-test-");
        var stalePath = Path.Combine(directory.FullName, "stale.sock");
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            stale.Bind(new UnixDomainSocketEndPoint(stalePath));
        }

        await using (var replacement = new StoreServer(new StoreServerOptions { SocketPath = stalePath, Authenticator = StoreAuthenticators.LocalDom0() }))
        {
            replacement.Start();
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(stalePath));
            var client = await StoreClient.ConnectAsync(stalePath, "dom0", cancellationToken: StoreFixture.Deadline());
            Assert.AreEqual(0, client.Domain);
            await client.DisposeAsync();
        }

        directory.Delete(recursive: true);
    }
}
