using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using ParaIo.RingBuffer.Linux;
using ParaIo.Store.Protocol;
using ParaIo.Store.Tree;
using ParaIo.Store.Watches;

namespace ParaIo.Store.Client;

/// <summary>
/// A connection to the store. Requests may be issued from any thread and are pipelined: each
/// carries its own <c>req_id</c> and completes when its reply arrives. Watch events arrive on
/// <see cref="WatchEvents"/>. When the connection ends, every pending request fails with
/// <see cref="StoreConnectionLostException"/>, <see cref="WatchEvents"/> completes and
/// <see cref="Completion"/> finishes.
/// </summary>
public sealed class StoreClient : IStoreOperations, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StoreClientOptions _options;
    private readonly FrameOutbox _outbox;
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<Reply>> _pending = new();
    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _run;
    private Exception? _failure;
    private int _nextRequestId;

    private StoreClient(Socket socket, ushort domain, StoreClientOptions options)
    {
        _socket = socket;
        _options = options;
        Domain = domain;
        _outbox = new FrameOutbox(options.MaxQueuedRequests);
        _run = Task.Run(RunAsync);
    }

    /// <summary>The domain the server bound this connection to.</summary>
    public ushort Domain { get; }

    /// <summary>
    /// Every watch event of this connection, in the order the server sent them. When the connection
    /// is lost the channel completes with a <see cref="StoreConnectionLostException"/> (a read then
    /// throws <see cref="ChannelClosedException"/> with it as the inner exception); after
    /// <see cref="DisposeAsync"/> it completes without one.
    /// </summary>
    public ChannelReader<WatchEvent> WatchEvents => _events.Reader;

    /// <summary>Finishes (never faults) when the connection has ended, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    /// <summary>False once the connection has ended.</summary>
    public bool IsConnected => Volatile.Read(ref _failure) is null;

    /// <summary>
    /// Connects to the store at <paramref name="socketPath"/> and introduces itself with HELLO,
    /// attaching <paramref name="fds"/> (SCM_RIGHTS) if any.
    /// </summary>
    /// <exception cref="StoreException">The server refused the HELLO (EACCES).</exception>
    /// <exception cref="StoreConnectionLostException">The server closed the connection without an answer.</exception>
    /// <exception cref="TimeoutException">No answer within <see cref="StoreClientOptions.ConnectTimeout"/>.</exception>
    public static async Task<StoreClient> ConnectAsync(
        string socketPath,
        string name,
        string? token = null,
        IReadOnlyList<SafeHandle>? fds = null,
        StoreClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= StoreClientOptions.Default;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
                SendHello(socket, name, token ?? string.Empty, fds);
                var domain = await ReceiveHelloReplyAsync(socket, deadline.Token).ConfigureAwait(false);
                return new StoreClient(socket, domain, options);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The store at {socketPath} did not answer HELLO within {options.ConnectTimeout}.");
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                throw new StoreConnectionLostException("The store closed the connection during HELLO.", exception);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken = default) => ReadCoreAsync(0, path, cancellationToken);

    /// <inheritdoc/>
    public Task<string> ReadStringAsync(string path, CancellationToken cancellationToken = default) => ReadStringCoreAsync(0, path, cancellationToken);

    /// <inheritdoc/>
    public Task<string?> TryReadStringAsync(string path, CancellationToken cancellationToken = default) => TryReadStringCoreAsync(0, path, cancellationToken);

    /// <inheritdoc/>
    public Task WriteAsync(string path, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => WriteCoreAsync(0, path, value, cancellationToken);

    /// <inheritdoc/>
    public Task WriteAsync(string path, string value, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(0, path, Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <inheritdoc/>
    public Task MkdirAsync(string path, CancellationToken cancellationToken = default) => MkdirCoreAsync(0, path, cancellationToken);

    /// <inheritdoc/>
    public Task RemoveAsync(string path, CancellationToken cancellationToken = default) => RemoveCoreAsync(0, path, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> DirectoryAsync(string path, CancellationToken cancellationToken = default) => DirectoryCoreAsync(0, path, cancellationToken);

    /// <inheritdoc/>
    public Task<NodePermissions> GetPermissionsAsync(string path, CancellationToken cancellationToken = default) => GetPermissionsCoreAsync(0, path, cancellationToken);

    /// <inheritdoc/>
    public Task SetPermissionsAsync(string path, NodePermissions permissions, CancellationToken cancellationToken = default) =>
        SetPermissionsCoreAsync(0, path, permissions, cancellationToken);

    /// <summary>
    /// Watches <paramref name="path"/> and everything below it (or a special name such as
    /// <c>@releaseDomain</c>, domain 0 only). The watch fires once at once, then on every change
    /// the connection's domain may read; events arrive on <see cref="WatchEvents"/>.
    /// </summary>
    public async Task WatchAsync(string path, string token, CancellationToken cancellationToken = default) =>
        await RequestAsync(StoreMessageType.Watch, 0, path, token, default, cancellationToken).ConfigureAwait(false);

    /// <summary>Removes the watch registered with the same path and token.</summary>
    public async Task UnwatchAsync(string path, string token, CancellationToken cancellationToken = default) =>
        await RequestAsync(StoreMessageType.Unwatch, 0, path, token, default, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends a management command to the host (a CONTROL request; the connection must be domain 0)
    /// and returns its answer. The first argument names the command, for example
    /// <c>["domain-create", "web", "loop"]</c>; what commands exist and what they answer is the host's
    /// business. The host may answer after later requests of this client: each waits for its own.
    /// </summary>
    /// <exception cref="ArgumentException">No arguments, or an argument containing NUL.</exception>
    /// <exception cref="StoreException">
    /// EACCES for a connection that is not domain 0; EINVAL when the host takes no commands or the
    /// command name is empty; EIO when the host failed to carry it out; E2BIG for too long arguments.
    /// </exception>
    public async Task<string> ControlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count == 0)
        {
            throw new ArgumentException("A control request needs at least the command name.", nameof(arguments));
        }

        var rest = new ArrayBufferWriter<byte>();
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            ArgumentNullException.ThrowIfNull(argument, nameof(arguments));
            if (argument.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Control argument {i} contains NUL, which ends an argument on the wire.", nameof(arguments));
            }

            if (i > 0)
            {
                rest.Write(Encoding.UTF8.GetBytes(argument));
                rest.Write((ReadOnlySpan<byte>)[0]);
            }
        }

        var reply = await RequestAsync(StoreMessageType.Control, 0, arguments[0], null, rest.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(reply);
    }

    /// <summary>Begins a transaction.</summary>
    public async Task<StoreTransaction> StartTransactionAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(StoreMessageType.TransactionStart, 0, string.Empty, null, default, cancellationToken).ConfigureAwait(false);
        var text = Strings(reply);
        if (text.Count != 1 || !uint.TryParse(text[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
        {
            throw new StoreConnectionLostException("The store answered TRANSACTION_START with something other than a transaction id.");
        }

        return new StoreTransaction(this, id);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a transaction and commits it, starting over (after a short
    /// random pause) each time the commit answers EAGAIN, at most <paramref name="maxRetries"/>
    /// times. If the body throws, the transaction is aborted and the exception passes through.
    /// </summary>
    /// <exception cref="StoreException">EAGAIN still after the last retry.</exception>
    public async Task<T> RunTransactionAsync<T>(Func<StoreTransaction, CancellationToken, Task<T>> body, int maxRetries = 16, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        for (var attempt = 0; ; attempt++)
        {
            var transaction = await StartTransactionAsync(cancellationToken).ConfigureAwait(false);
            T result;
            try
            {
                result = await body(transaction, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            if (await transaction.CommitAsync(cancellationToken).ConfigureAwait(false))
            {
                return result;
            }

            if (attempt >= maxRetries)
            {
                throw new StoreException(StoreError.Conflict);
            }

            // Clients that keep colliding stop doing so in step once their pauses differ.
            await Task.Delay(Random.Shared.Next(0, 1 << Math.Min(attempt, 5)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="RunTransactionAsync{T}"/>, for a body with no result.</summary>
    public Task RunTransactionAsync(Func<StoreTransaction, CancellationToken, Task> body, int maxRetries = 16, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunTransactionAsync(
            async (transaction, token) =>
            {
                await body(transaction, token).ConfigureAwait(false);
                return true;
            },
            maxRetries,
            cancellationToken);
    }

    /// <summary>Closes the connection; pending requests fail, <see cref="WatchEvents"/> completes, open transactions are aborted by the server.</summary>
    public async ValueTask DisposeAsync()
    {
        Fail(null);
        await _run.ConfigureAwait(false);
        _socket.Dispose();
        _closing.Dispose();
    }

    internal async Task<byte[]> ReadCoreAsync(uint transaction, string path, CancellationToken cancellationToken) =>
        await RequestAsync(StoreMessageType.Read, transaction, path, null, default, cancellationToken).ConfigureAwait(false);

    internal async Task<string> ReadStringCoreAsync(uint transaction, string path, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await ReadCoreAsync(transaction, path, cancellationToken).ConfigureAwait(false));

    internal async Task<string?> TryReadStringCoreAsync(uint transaction, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadStringCoreAsync(transaction, path, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException exception) when (exception.Error == StoreError.NotFound)
        {
            return null;
        }
    }

    internal async Task WriteCoreAsync(uint transaction, string path, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        await RequestAsync(StoreMessageType.Write, transaction, path, null, value, cancellationToken).ConfigureAwait(false);

    internal async Task MkdirCoreAsync(uint transaction, string path, CancellationToken cancellationToken) =>
        await RequestAsync(StoreMessageType.Mkdir, transaction, path, null, default, cancellationToken).ConfigureAwait(false);

    internal async Task RemoveCoreAsync(uint transaction, string path, CancellationToken cancellationToken) =>
        await RequestAsync(StoreMessageType.Remove, transaction, path, null, default, cancellationToken).ConfigureAwait(false);

    internal async Task<IReadOnlyList<string>> DirectoryCoreAsync(uint transaction, string path, CancellationToken cancellationToken) =>
        Strings(await RequestAsync(StoreMessageType.Directory, transaction, path, null, default, cancellationToken).ConfigureAwait(false));

    internal async Task<NodePermissions> GetPermissionsCoreAsync(uint transaction, string path, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync(StoreMessageType.GetPermissions, transaction, path, null, default, cancellationToken).ConfigureAwait(false);
        if (!NodePermissions.TryParse(Strings(reply), out var permissions))
        {
            throw new StoreConnectionLostException($"The store answered GET_PERMS for {path} with a malformed permission list.");
        }

        return permissions!;
    }

    internal async Task SetPermissionsCoreAsync(uint transaction, string path, NodePermissions permissions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        var entries = new ArrayBufferWriter<byte>();
        foreach (var entry in permissions.ToWireStrings())
        {
            Encoding.UTF8.GetBytes(entry, entries);
            entries.Write([(byte)0]);
        }

        await RequestAsync(StoreMessageType.SetPermissions, transaction, path, null, entries.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    internal async Task EndTransactionAsync(uint transaction, bool commit, CancellationToken cancellationToken) =>
        await RequestAsync(StoreMessageType.TransactionEnd, transaction, commit ? "T" : "F", null, default, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends one request (<paramref name="first"/>, then <paramref name="second"/> if any, each
    /// NUL-terminated, then <paramref name="tail"/> raw) and waits for its reply's payload.
    /// </summary>
    private async Task<byte[]> RequestAsync(StoreMessageType type, uint transaction, string first, string? second, ReadOnlyMemory<byte> tail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(first);
        var id = (uint)Interlocked.Increment(ref _nextRequestId);
        var reply = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            // Checked after registering: either Fail sees this request or this request sees the failure.
            if (Volatile.Read(ref _failure) is { } failure)
            {
                throw Lost(failure);
            }

            var frame = new FrameBuilder(type, id, transaction, first.Length + (second?.Length ?? 0) + tail.Length + 2);
            frame.AppendString(first);
            if (second is not null)
            {
                frame.AppendString(second);
            }

            frame.AppendBytes(tail.Span);
            if (frame.PayloadLength > ProtocolLimits.MaxRequestPayload)
            {
                // The server would disconnect a client that sends it; refuse here as the store would.
                frame.Discard();
                throw new StoreException(StoreError.TooBig, type == StoreMessageType.Control ? null : first);
            }

            await _outbox.PostAsync(frame.Complete(), cancellationToken).ConfigureAwait(false);

            Reply answer;
            try
            {
                answer = await reply.Task.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The store did not answer {type} {first} within {_options.RequestTimeout}.");
            }

            if (answer.Type == StoreMessageType.Error)
            {
                var errno = Strings(answer.Payload) is [var name] ? name : "EIO";
                // TRANSACTION_END's argument and CONTROL's command name are not paths.
                throw new StoreException(StoreErrors.FromErrnoName(errno), errno, type is StoreMessageType.TransactionEnd or StoreMessageType.Control ? null : first);
            }

            return answer.Payload;
        }
        catch (ChannelClosedException)
        {
            throw Lost(Volatile.Read(ref _failure));
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task RunAsync()
    {
        NetworkStream stream;
        try
        {
            stream = new NetworkStream(_socket, ownsSocket: false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            // Closed (by either side) before the connection got going.
            Fail(_closing.IsCancellationRequested ? null : new StoreConnectionLostException("The store closed the connection.", exception));
            _completion.TrySetResult();
            return;
        }

        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        var pump = PumpAsync(writer);
        Exception? failure;
        try
        {
            failure = await ReceiveLoopAsync(reader).ConfigureAwait(false);
        }
        catch (Exception exception) when (_closing.IsCancellationRequested)
        {
            failure = Volatile.Read(ref _failure) ?? exception;
        }
        catch (ProtocolViolationException exception)
        {
            failure = new StoreConnectionLostException($"The store sent a frame this client cannot parse: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidDataException or StoreConnectionLostException)
        {
            failure = exception as StoreConnectionLostException ?? new StoreConnectionLostException($"The connection to the store failed: {exception.Message}", exception);
        }

        Fail(failure);
        await pump.ConfigureAwait(false);
        await reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            // Completing the writer flushes what the pump left buffered; on a connection that is
            // going away (the store stopped, the peer closed) that fails, and nobody is left to tell.
            await writer.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
        }

        _completion.TrySetResult();
    }

    private async Task PumpAsync(PipeWriter writer)
    {
        try
        {
            await _outbox.PumpAsync(writer, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            Fail(new StoreConnectionLostException($"Sending to the store failed: {exception.Message}", exception));
        }
    }

    private async Task<Exception> ReceiveLoopAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (FrameReader.TryRead(ref buffer, ProtocolLimits.MaxReplyPayload, StoreMessageTypes.IsFromServer, out var header, out var payload))
                {
                    Dispatch(header, payload);
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                return new StoreConnectionLostException("The store closed the connection.");
            }
        }
    }

    private void Dispatch(in MessageHeader header, in ReadOnlySequence<byte> payload)
    {
        var bytes = payload.ToArray();
        if (header.Type == StoreMessageType.WatchEvent)
        {
            var reader = new PayloadReader(bytes);
            var path = reader.ReadString("watch path");
            var token = reader.ReadString("watch token");
            reader.ExpectEnd("watch token");
            _events.Writer.TryWrite(new WatchEvent(path, token));
            return;
        }

        // A reply nobody waits for belongs to a request that timed out or was cancelled.
        if (_pending.TryRemove(header.RequestId, out var pending))
        {
            pending.TrySetResult(new Reply(header.Type, bytes));
        }
    }

    /// <summary>Ends the connection once: pending requests fail with <paramref name="failure"/> (null: closed by this client).</summary>
    private void Fail(Exception? failure)
    {
        var reason = failure ?? new StoreConnectionLostException("The client closed the connection.");
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        _outbox.Close();
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }

        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.TrySetException(Lost(reason));
            }
        }

        _events.Writer.TryComplete(failure is null ? null : Lost(reason));
    }

    private static StoreConnectionLostException Lost(Exception? failure) =>
        failure as StoreConnectionLostException ?? new StoreConnectionLostException("The connection to the store has ended.", failure);

    private static void SendHello(Socket socket, string name, string token, IReadOnlyList<SafeHandle>? fds)
    {
        var frame = new FrameBuilder(StoreMessageType.Hello, 0, 0, name.Length + token.Length + 2);
        frame.AppendString(name);
        frame.AppendString(token);
        var hello = frame.Complete();
        var count = fds?.Count ?? 0;
        var raw = new int[count];
        var added = 0;
        try
        {
            for (; added < count; added++)
            {
                var success = false;
                fds![added].DangerousAddRef(ref success);
                raw[added] = (int)fds[added].DangerousGetHandle();
            }

            // The descriptors ride on the frame's first bytes; the server reads them with recvmsg.
            FdPassing.Send(socket, hello.Span, raw);
        }
        finally
        {
            for (var i = 0; i < added; i++)
            {
                fds![i].DangerousRelease();
            }

            hello.Release();
        }
    }

    private static async Task<ushort> ReceiveHelloReplyAsync(Socket socket, CancellationToken cancellationToken)
    {
        var headerBytes = new byte[MessageLayout.Size];
        await ReceiveExactlyAsync(socket, headerBytes, cancellationToken).ConfigureAwait(false);
        var header = MessageLayout.Read(headerBytes);
        if (header.Length > 64 || header.Type is not (StoreMessageType.Hello or StoreMessageType.Error))
        {
            throw new StoreConnectionLostException($"The store answered HELLO with a type {(uint)header.Type} frame of {header.Length} bytes.");
        }

        var payload = new byte[header.Length];
        await ReceiveExactlyAsync(socket, payload, cancellationToken).ConfigureAwait(false);
        var strings = Strings(payload);
        if (header.Type == StoreMessageType.Error)
        {
            var errno = strings is [var name] ? name : "EIO";
            throw new StoreException(StoreErrors.FromErrnoName(errno), errno, null);
        }

        if (strings is not [var text] || !ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var domain))
        {
            throw new StoreConnectionLostException("The store answered HELLO without a domain id.");
        }

        return domain;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                throw new StoreConnectionLostException("The store closed the connection during HELLO.");
            }

            buffer = buffer[received..];
        }
    }

    /// <summary>Splits a payload of NUL-terminated strings (a reply with no strings is empty).</summary>
    private static List<string> Strings(byte[] payload)
    {
        var strings = new List<string>();
        var reader = new PayloadReader(payload);
        try
        {
            while (!reader.IsEmpty)
            {
                strings.Add(reader.ReadString("reply string"));
            }
        }
        catch (ProtocolViolationException exception)
        {
            throw new StoreConnectionLostException($"The store sent a malformed reply: {exception.Message}", exception);
        }

        return strings;
    }

    private readonly record struct Reply(StoreMessageType Type, byte[] Payload);
}
