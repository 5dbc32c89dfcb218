using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Linux;
using ParaIo.Store.Linux;
using ParaIo.Store.Protocol;
using ParaIo.Store.Tree;
using ParaIo.Store.Watches;

namespace ParaIo.Store.Server;

/// <summary>
/// One client of the store: the HELLO handshake on the raw socket (so descriptors sent with it
/// arrive), then requests through System.IO.Pipelines, executed in order, replies and watch events
/// leaving through one <see cref="FrameOutbox"/>. CONTROL requests are the exception: they go to
/// the host's handler and run beside the others, their replies leaving when they finish. Owns the
/// connection's watches and transactions and removes them when it closes. Anything outside the
/// protocol closes this connection only.
/// </summary>
internal sealed class StoreConnection : IWatchSink, IDisposable
{
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(1);

    private readonly StoreServer _server;
    private readonly StoreTree _tree;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly FrameOutbox _outbox;
    private readonly CancellationTokenSource _closing = new();
    private readonly Dictionary<uint, TreeTransaction> _transactions = [];
    private readonly HashSet<(string Path, string Token)> _watches = [];
    private readonly SemaphoreSlim _controlSlots;
    private readonly TaskCompletionSource _controlsDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Running CONTROL requests, plus one held by the connection's own run until it ends, so the
    // count reaches zero exactly once: when both the run and the last request are done.
    private int _controlsRunning = 1;
    private string? _closeReason;
    private bool _dropped;
    private int _domain = -1;

    public StoreConnection(StoreServer server, long id, Socket socket)
    {
        _server = server;
        _tree = server.Tree;
        _logger = server.Logger;
        _socket = socket;
        Id = id;
        _outbox = new FrameOutbox(server.Options.MaxQueuedFrames);
        var slots = Math.Max(1, server.Options.MaxControlRequestsPerConnection);
        _controlSlots = new SemaphoreSlim(slots, slots);
    }

    public long Id { get; }

    /// <summary>Set once HELLO is accepted.</summary>
    public StoreConnectionInfo? Info { get; private set; }

    /// <summary>The connection's run, for a server that stops and waits for it.</summary>
    public Task? Completion { get; set; }

    public ushort Domain => (ushort)_domain;

    public async Task RunAsync()
    {
        try
        {
            if (await HandshakeAsync().ConfigureAwait(false))
            {
                _server.NotifyOpened(Info!);
                await ServeAsync().ConfigureAwait(false);
            }
        }
        catch (ProtocolViolationException violation)
        {
            Drop(violation.Message);
        }
        catch (OperationCanceledException) when (_closeReason is null)
        {
            Drop("no HELLO within the time allowed");
        }
        catch (OperationCanceledException)
        {
        }
        catch (EndOfStreamException)
        {
            Close("the client closed the connection during HELLO");
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            Close($"I/O error: {exception.Message}");
        }
        finally
        {
            await DrainControlsAsync().ConfigureAwait(false);
            Cleanup();
        }
    }

    /// <summary>Closes the connection from any thread, including with the store's lock held: the work is deferred.</summary>
    public void Abort(string reason, bool isFault)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is null)
        {
            _dropped = isFault;
            ThreadPool.UnsafeQueueUserWorkItem(static connection => connection.CancelNow(), this, preferLocal: false);
        }
    }

    void IWatchSink.Deliver(string path, string token)
    {
        var frame = new FrameBuilder(StoreMessageType.WatchEvent, 0, 0, path.Length + token.Length + 2);
        frame.AppendString(path);
        frame.AppendString(token);
        if (!_outbox.TryPost(frame.Complete()))
        {
            Abort("watch events backed up: the client does not read its socket", isFault: true);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _closing.Dispose();
        _controlSlots.Dispose();
    }

    private async Task<bool> HandshakeAsync()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        deadline.CancelAfter(_server.Options.HelloTimeout);
        var fds = new List<SafeFileHandle>();
        try
        {
            var header = new byte[MessageLayout.Size];
            await ReceiveWithFdsAsync(header, fds, deadline.Token).ConfigureAwait(false);
            var hello = MessageLayout.Read(header);
            if (hello.Type != StoreMessageType.Hello)
            {
                throw new ProtocolViolationException($"the first frame is type {(uint)hello.Type}, not HELLO");
            }

            if (hello.Length > (2 * ProtocolLimits.MaxHelloString) + 2)
            {
                throw new ProtocolViolationException($"HELLO announces {hello.Length} payload bytes");
            }

            var payload = new byte[hello.Length];
            await ReceiveWithFdsAsync(payload, fds, deadline.Token).ConfigureAwait(false);
            var (name, token) = ParseHello(payload);

            var request = new HelloRequest(Id, name, token, [.. fds], SocketCredentials.Of(_socket));
            fds.Clear();
            AuthenticationResult verdict;
            try
            {
                verdict = await _server.Options.Authenticator(request, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                verdict = AuthenticationResult.Refuse($"the authenticator threw {exception.GetType().Name}: {exception.Message}");
            }
            finally
            {
                request.CloseFds();
            }

            if (!verdict.IsAccepted)
            {
                StoreLog.Refused(_logger, Id, name, request.Peer.ProcessId, request.Peer.UserId, verdict.Reason);
                _closeReason = "refused";
                await SendRawAsync(ErrorFrame(hello, StoreError.PermissionDenied), deadline.Token).ConfigureAwait(false);
                return false;
            }

            _domain = verdict.Domain;
            Info = new StoreConnectionInfo(Id, verdict.Domain, name, request.Peer);
            StoreLog.Authenticated(_logger, Id, name, request.Peer.ProcessId, request.Peer.UserId, verdict.Domain);
            var reply = new FrameBuilder(StoreMessageType.Hello, hello.RequestId, 0);
            reply.AppendNumber(verdict.Domain);
            await SendRawAsync(reply.Complete(), deadline.Token).ConfigureAwait(false);
            return true;
        }
        finally
        {
            foreach (var fd in fds)
            {
                fd.Dispose();
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> with recvmsg, collecting descriptors. A peek waits for data
    /// without blocking a thread and without consuming the bytes the descriptors are attached to.
    /// </summary>
    private async Task ReceiveWithFdsAsync(byte[] buffer, List<SafeFileHandle> fds, CancellationToken cancellationToken)
    {
        var peek = new byte[1];
        var filled = 0;
        while (filled < buffer.Length)
        {
            if (await _socket.ReceiveAsync(peek, SocketFlags.Peek, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new EndOfStreamException();
            }

            var room = new SafeFileHandle?[Math.Max(0, ProtocolLimits.MaxHelloFds - fds.Count)];
            int received;
            int count;
            try
            {
                received = FdPassing.Receive(_socket, buffer.AsSpan(filled), room, out count);
            }
            catch (IOException exception)
            {
                throw new ProtocolViolationException($"HELLO carried too many descriptors: {exception.Message}");
            }

            for (var i = 0; i < count; i++)
            {
                fds.Add(room[i]!);
            }

            if (received == 0)
            {
                throw new EndOfStreamException();
            }

            filled += received;
        }
    }

    private static (string Name, string Token) ParseHello(byte[] payload)
    {
        var reader = new PayloadReader(payload);
        var name = reader.ReadString("HELLO name");
        var token = reader.ReadString("HELLO token");
        reader.ExpectEnd("HELLO token");
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > ProtocolLimits.MaxHelloString || Encoding.UTF8.GetByteCount(token) > ProtocolLimits.MaxHelloString)
        {
            throw new ProtocolViolationException("the HELLO name is empty or the name or token is too long");
        }

        return (name, token);
    }

    private async Task SendRawAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(frame.Buffer.AsMemory(0, frame.Length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            frame.Release();
        }
    }

    private async Task ServeAsync()
    {
        var stream = new NetworkStream(_socket, ownsSocket: false);
        await using (stream.ConfigureAwait(false))
        {
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
            var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            var pump = PumpAsync(writer);
            try
            {
                var reason = await ReceiveLoopAsync(reader).ConfigureAwait(false);
                Close(reason);

                // The client may have only shut down its sending side: let the replies already
                // queued leave, but not wait on a client that does not read.
                _outbox.Close();
                await Task.WhenAny(pump, Task.Delay(s_drainTimeout)).ConfigureAwait(false);
            }
            finally
            {
                _outbox.Close();
                Abort("the connection is closing", isFault: false);
                await pump.ConfigureAwait(false);
                await reader.CompleteAsync().ConfigureAwait(false);
                await writer.CompleteAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task PumpAsync(PipeWriter writer)
    {
        try
        {
            await _outbox.PumpAsync(writer, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The connection is going away; the reader side reports why.
        }
        finally
        {
            // A pump that stopped (write error, or closed for a backlog) takes the reader with it.
            Abort("the client stopped reading", isFault: false);
        }
    }

    private async Task<string> ReceiveLoopAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (FrameReader.TryRead(ref buffer, ProtocolLimits.MaxRequestPayload, StoreMessageTypes.IsRequest, out var header, out var payload))
                {
                    if (header.Type == StoreMessageType.Control)
                    {
                        await StartControlAsync(header, payload).ConfigureAwait(false);
                        continue;
                    }

                    var reply = Handle(header, payload);
                    await _outbox.PostAsync(reply, _closing.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    throw new ProtocolViolationException($"the connection closed inside a frame ({buffer.Length} bytes of it sent)");
                }

                return "the client closed the connection";
            }
        }
    }

    /// <summary>
    /// Answers a refused CONTROL at once, or hands it to the host's handler on the thread pool so the
    /// requests behind it are served meanwhile. At the per-connection limit this waits for a slot,
    /// which stops the connection's reading: a dom0 tool that floods commands is slowed, not queued.
    /// </summary>
    private async ValueTask StartControlAsync(MessageHeader header, ReadOnlySequence<byte> payload)
    {
        var refusal = CheckControl(header, payload, out var arguments);
        if (refusal != StoreError.None)
        {
            await _outbox.PostAsync(ErrorFrame(header, refusal), _closing.Token).ConfigureAwait(false);
            return;
        }

        await _controlSlots.WaitAsync(_closing.Token).ConfigureAwait(false);
        Interlocked.Increment(ref _controlsRunning);

        // Task.Run: a handler that works synchronously before its first await must not hold up this loop.
        _ = Task.Run(() => RunControlAsync(header, arguments));
    }

    /// <summary>Parses a CONTROL (a malformed one is a protocol violation) and decides whether it may run.</summary>
    private StoreError CheckControl(in MessageHeader header, in ReadOnlySequence<byte> payload, out string[] arguments)
    {
        var bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        var reader = new PayloadReader(bytes);
        var list = new List<string>();
        while (!reader.IsEmpty)
        {
            list.Add(reader.ReadString("control argument"));
        }

        arguments = [.. list];
        if (Domain != 0)
        {
            return StoreError.PermissionDenied;
        }

        // A command acts on the host, not on the tree, so a transaction cannot hold it back.
        if (header.TransactionId != 0 || _server.Options.ControlHandler is null || arguments.Length == 0 || arguments[0].Length == 0)
        {
            return StoreError.InvalidArgument;
        }

        return StoreError.None;
    }

    private async Task RunControlAsync(MessageHeader header, string[] arguments)
    {
        try
        {
            OutboundFrame reply;
            try
            {
                var text = await _server.Options.ControlHandler!(Info!, arguments, _closing.Token).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("The control handler returned null.");
                reply = ControlReply(header, text);
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested)
            {
                // The connection is closing: there is nobody left to answer.
                return;
            }
            catch (Exception exception)
            {
                StoreLog.ControlFailed(_logger, Id, _domain, arguments[0], exception);
                reply = ErrorFrame(header, StoreError.IoError);
            }

            await _outbox.PostAsync(reply, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ChannelClosedException)
        {
            // The connection closed while the command ran; its answer has nowhere to go.
        }
        finally
        {
            _controlSlots.Release();
            if (Interlocked.Decrement(ref _controlsRunning) == 0)
            {
                _controlsDrained.TrySetResult();
            }
        }
    }

    private static OutboundFrame ControlReply(in MessageHeader header, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        if (length > ProtocolLimits.MaxReplyPayload)
        {
            return ErrorFrame(header, StoreError.TooBig);
        }

        var reply = new FrameBuilder(header.Type, header.RequestId, 0, length);
        reply.AppendText(text);
        return reply.Complete();
    }

    /// <summary>
    /// Waits for the CONTROL requests still running, cancelling them first: the host's handler
    /// never outlives its connection, so after <see cref="StoreServer.StopAsync"/> none is running.
    /// </summary>
    private Task DrainControlsAsync()
    {
        if (Interlocked.Decrement(ref _controlsRunning) == 0)
        {
            return Task.CompletedTask;
        }

        CancelNow();
        return _controlsDrained.Task;
    }

    private OutboundFrame Handle(in MessageHeader header, in ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return Dispatch(header, payload.FirstSpan);
        }

        var length = (int)payload.Length;
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            payload.CopyTo(copy);
            return Dispatch(header, copy.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private OutboundFrame Dispatch(in MessageHeader header, ReadOnlySpan<byte> payload)
    {
        var args = new PayloadReader(payload);
        var domain = Domain;
        TreeTransaction? transaction = null;
        if (header.TransactionId != 0 && header.Type is not (StoreMessageType.Watch or StoreMessageType.Unwatch or StoreMessageType.TransactionStart)
            && !_transactions.TryGetValue(header.TransactionId, out transaction))
        {
            // The frame must still be well formed: parse it before answering.
            ValidateShape(header.Type, ref args);
            return ErrorFrame(header, StoreError.NotFound);
        }

        switch (header.Type)
        {
            case StoreMessageType.Read:
            {
                var path = OnePath(ref args);
                var error = _tree.TryRead(domain, path, transaction, out var value);
                if (error != StoreError.None)
                {
                    return ErrorFrame(header, error);
                }

                var reply = new FrameBuilder(header.Type, header.RequestId, header.TransactionId, value.Length);
                reply.AppendBytes(value);
                return reply.Complete();
            }

            case StoreMessageType.Directory:
            {
                var path = OnePath(ref args);
                var error = _tree.TryDirectory(domain, path, transaction, out var names);
                if (error != StoreError.None)
                {
                    return ErrorFrame(header, error);
                }

                var reply = new FrameBuilder(header.Type, header.RequestId, header.TransactionId, 256);
                foreach (var name in names)
                {
                    reply.AppendString(name);
                    if (reply.PayloadLength > ProtocolLimits.MaxReplyPayload)
                    {
                        reply.Discard();
                        return ErrorFrame(header, StoreError.TooBig);
                    }
                }

                return reply.Complete();
            }

            case StoreMessageType.GetPermissions:
            {
                var path = OnePath(ref args);
                var error = _tree.TryGetPermissions(domain, path, transaction, out var permissions);
                if (error != StoreError.None)
                {
                    return ErrorFrame(header, error);
                }

                var reply = new FrameBuilder(header.Type, header.RequestId, header.TransactionId);
                foreach (var entry in permissions.ToWireStrings())
                {
                    reply.AppendString(entry);
                }

                return reply.Complete();
            }

            case StoreMessageType.Write:
            {
                var path = args.ReadString("path");
                var value = args.Rest.ToArray();
                return Answer(header, _tree.TryChange(domain, transaction, editor => editor.Write(domain, path, value)));
            }

            case StoreMessageType.Mkdir:
            {
                var path = OnePath(ref args);
                return Answer(header, _tree.TryChange(domain, transaction, editor => editor.Mkdir(domain, path)));
            }

            case StoreMessageType.Remove:
            {
                var path = OnePath(ref args);
                return Answer(header, _tree.TryChange(domain, transaction, editor => editor.Remove(domain, path)));
            }

            case StoreMessageType.SetPermissions:
            {
                var path = args.ReadString("path");
                var entries = new List<string>();
                while (!args.IsEmpty)
                {
                    entries.Add(args.ReadString("permission"));
                }

                if (entries.Count == 0)
                {
                    throw new ProtocolViolationException("SET_PERMS carries no permission");
                }

                if (entries.Count > _tree.Limits.MaxPermissionEntries)
                {
                    return ErrorFrame(header, StoreError.TooBig);
                }

                if (!NodePermissions.TryParse(entries, out var permissions))
                {
                    return ErrorFrame(header, StoreError.InvalidArgument);
                }

                return Answer(header, _tree.TryChange(domain, transaction, editor => editor.SetPermissions(domain, path, permissions!)));
            }

            case StoreMessageType.Watch:
            {
                var (path, token) = PathAndToken(ref args);
                return Answer(header, AddWatch(path, token));
            }

            case StoreMessageType.Unwatch:
            {
                var (path, token) = PathAndToken(ref args);
                var removed = _watches.Remove((path, token)) && _tree.RemoveWatch(this, path, token);
                return Answer(header, removed ? StoreError.None : StoreError.NotFound);
            }

            case StoreMessageType.TransactionStart:
            {
                if (args.ReadString("argument").Length != 0)
                {
                    throw new ProtocolViolationException("TRANSACTION_START carries an argument");
                }

                args.ExpectEnd("argument");
                if (header.TransactionId != 0)
                {
                    return ErrorFrame(header, StoreError.Busy);
                }

                if (_transactions.Count >= _tree.Limits.MaxTransactionsPerConnection)
                {
                    return ErrorFrame(header, StoreError.QuotaExceeded);
                }

                var started = _tree.BeginTransaction(domain);
                _transactions.Add(started.Id, started);
                var reply = new FrameBuilder(header.Type, header.RequestId, 0);
                reply.AppendNumber(started.Id);
                return reply.Complete();
            }

            case StoreMessageType.TransactionEnd:
            {
                var verdict = args.ReadString("argument");
                args.ExpectEnd("argument");
                if (transaction is null)
                {
                    return ErrorFrame(header, StoreError.NotFound);
                }

                if (verdict is not ("T" or "F"))
                {
                    return ErrorFrame(header, StoreError.InvalidArgument);
                }

                // The transaction ends whatever the outcome, as in Xen: after EAGAIN the client starts anew.
                _transactions.Remove(transaction.Id);
                if (verdict == "F")
                {
                    transaction.Ended = true;
                    return Answer(header, StoreError.None);
                }

                return Answer(header, _tree.Commit(transaction));
            }

            default:
                throw new ProtocolViolationException($"message type {(uint)header.Type} is not a request");
        }
    }

    private StoreError AddWatch(string path, string token)
    {
        if (StorePath.IsSpecial(path))
        {
            // Special names report on every domain; only domain 0 may hear them.
            if (Domain != 0)
            {
                return StoreError.PermissionDenied;
            }
        }
        else
        {
            var error = StorePath.Check(path, _tree.Limits.MaxPathLength);
            if (error != StoreError.None)
            {
                return error;
            }
        }

        if (_watches.Contains((path, token)))
        {
            return StoreError.AlreadyExists;
        }

        if (_watches.Count >= _tree.Limits.MaxWatchesPerConnection)
        {
            return StoreError.QuotaExceeded;
        }

        _watches.Add((path, token));
        _tree.AddWatch(this, path, token);
        return StoreError.None;
    }

    private static string OnePath(ref PayloadReader args)
    {
        var path = args.ReadString("path");
        args.ExpectEnd("path");
        return path;
    }

    private static (string Path, string Token) PathAndToken(ref PayloadReader args)
    {
        var path = args.ReadString("path");
        var token = args.ReadString("token");
        args.ExpectEnd("token");
        return (path, token);
    }

    /// <summary>Checks a request's shape when it is refused before being parsed.</summary>
    private static void ValidateShape(StoreMessageType type, ref PayloadReader args)
    {
        switch (type)
        {
            case StoreMessageType.Write:
                args.ReadString("path");
                break;
            case StoreMessageType.SetPermissions:
                args.ReadString("path");
                do
                {
                    args.ReadString("permission");
                }
                while (!args.IsEmpty);
                break;
            default:
                OnePath(ref args);
                break;
        }
    }

    private static OutboundFrame Answer(in MessageHeader header, StoreError error)
    {
        if (error != StoreError.None)
        {
            return ErrorFrame(header, error);
        }

        var reply = new FrameBuilder(header.Type, header.RequestId, header.TransactionId, 3);
        reply.AppendString("OK");
        return reply.Complete();
    }

    private static OutboundFrame ErrorFrame(in MessageHeader header, StoreError error)
    {
        var reply = new FrameBuilder(StoreMessageType.Error, header.RequestId, header.TransactionId, 8);
        reply.AppendString(error.ToErrnoName());
        return reply.Complete();
    }

    /// <summary>A fault of the client: its reason wins over the generic ones set while closing.</summary>
    private void Drop(string reason)
    {
        _closeReason = reason;
        _dropped = true;
    }

    private void Close(string reason) => Interlocked.CompareExchange(ref _closeReason, reason, null);

    private void CancelNow()
    {
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
    }

    private void Cleanup()
    {
        _tree.RemoveWatches(this);
        _watches.Clear();
        foreach (var transaction in _transactions.Values)
        {
            transaction.Ended = true;
        }

        _transactions.Clear();
        _outbox.Close();
        var reason = _closeReason ?? "closed";
        if (_dropped)
        {
            StoreLog.Dropped(_logger, Id, _domain, reason);
        }
        else
        {
            StoreLog.Closed(_logger, Id, _domain, reason);
        }

        _server.NotifyClosed(this);
    }
}
