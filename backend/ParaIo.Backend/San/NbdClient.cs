using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Backend.San;

/// <summary>
/// One connection to an NBD export: the fixed-newstyle handshake, then READ, WRITE, FLUSH and TRIM
/// pipelined on the socket with simple replies. Many requests may be in flight at once, from any
/// threads; one send loop writes them in order (coalescing small ones), one receive loop matches
/// replies by cookie and reads READ data straight into the caller's memory. Every request has a
/// deadline; a server that misses it, closes, or breaks the protocol fails the connection and every
/// request on it with <see cref="NbdConnectionException"/>. A connection is not re-established:
/// <see cref="NbdLun"/> does that.
/// </summary>
public sealed class NbdClient : IAsyncDisposable
{
    private const int SendBufferSize = 256 << 10;
    private const int ReceiveBufferSize = 256 << 10;

    /// <summary>Pieces at least this long go between the socket and the caller's memory directly; smaller ones through the buffers.</summary>
    private const int DirectThreshold = 16 << 10;

    /// <summary>The largest TRIM sent as one request: the length field is 32 bits.</summary>
    private const int MaxTrimChunk = 1 << 30;

    private readonly Socket _socket;
    private readonly NbdClientOptions _options;
    private readonly NbdRequest?[] _inFlight;
    private readonly Channel<NbdRequest> _free;
    private readonly Channel<NbdRequest> _sendQueue;
    private readonly byte[] _send = GC.AllocateUninitializedArray<byte>(SendBufferSize, pinned: true);
    private readonly byte[] _receive = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
    private readonly TaskCompletionSource<NbdConnectionException> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly Timer _watchdog;
    private readonly Task _sender;
    private readonly Task _receiver;
    private readonly long _timeoutMs;
    private NbdConnectionException? _failure;
    private TaskCompletionSource? _drained;
    private int _inFlightCount;
    private int _receiveStart;
    private int _receiveEnd;
    private int _disposed;

    private NbdClient(Socket socket, NbdEndpoint endpoint, NbdExport export, NbdClientOptions options)
    {
        _socket = socket;
        Endpoint = endpoint;
        Export = export;
        _options = options;
        _timeoutMs = (long)options.RequestTimeout.TotalMilliseconds;
        _inFlight = new NbdRequest?[options.MaxInFlight];
        _free = Channel.CreateUnbounded<NbdRequest>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        for (var i = 0; i < options.MaxInFlight; i++)
        {
            _free.Writer.TryWrite(new NbdRequest(this, (ushort)i));
        }

        _sendQueue = Channel.CreateUnbounded<NbdRequest>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        _sender = Task.Run(SendLoopAsync);
        _receiver = Task.Run(ReceiveLoopAsync);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_timeoutMs / 4, 10, 1000));
        _watchdog = new Timer(static state => ((NbdClient)state!).CheckDeadlines(), this, period, period);
    }

    /// <summary>Where the export is.</summary>
    public NbdEndpoint Endpoint { get; }

    /// <summary>The export as the server described it in the handshake.</summary>
    public NbdExport Export { get; }

    /// <summary>True until the connection fails or is closed.</summary>
    public bool IsConnected => Volatile.Read(ref _failure) is null;

    /// <summary>Completes, with the reason, when the connection fails or is closed; it never faults.</summary>
    public Task<NbdConnectionException> Closed => _closed.Task;

    /// <summary>Connects to <paramref name="endpoint"/> and chooses its export; fails with <see cref="NbdConnectionException"/> saying why it could not.</summary>
    public static async Task<NbdClient> ConnectAsync(NbdEndpoint endpoint, NbdClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new NbdClientOptions();
        options.Validate();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        Socket? socket = null;
        try
        {
            socket = await endpoint.ConnectAsync(deadline.Token).ConfigureAwait(false);
            var export = await NbdHandshake.RunAsync(socket, endpoint, options.MaxPayload, deadline.Token).ConfigureAwait(false);
            return new NbdClient(socket, endpoint, export, options);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket?.Dispose();
            throw new NbdConnectionException($"Connecting to the NBD server at {endpoint} took longer than {options.ConnectTimeout.TotalSeconds} s.");
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            throw new NbdConnectionException($"Could not connect to the NBD server at {endpoint}: {e.Message}", e);
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the export an NBD URI names (<c>nbd+unix:///EXPORT?socket=PATH</c> or <c>nbd://HOST:PORT/EXPORT</c>).</summary>
    public static Task<NbdClient> ConnectAsync(Uri uri, NbdClientOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(NbdEndpoint.Parse(uri), options, cancellationToken);

    /// <summary>Reads <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> straight into <paramref name="buffer"/>.</summary>
    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        TransferAsync(NbdCommand.Read, NbdCommandFlags.None, offset, NbdPayload.Of(buffer), cancellationToken);

    /// <summary>Reads bytes at <paramref name="offset"/> into <paramref name="buffers"/> one after the other, as one request.</summary>
    public ValueTask ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default) =>
        TransferAsync(NbdCommand.Read, NbdCommandFlags.None, offset, NbdPayload.Of(buffers), cancellationToken);

    /// <summary>Writes <paramref name="buffer"/> at <paramref name="offset"/>; with <paramref name="forceUnitAccess"/> it is durable when acknowledged (if the server takes FUA).</summary>
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, bool forceUnitAccess = false, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(offset, NbdPayload.Of(buffer), forceUnitAccess, cancellationToken);

    /// <summary>Writes <paramref name="buffers"/> one after the other from <paramref name="offset"/>, as one request.</summary>
    public ValueTask WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, bool forceUnitAccess = false, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(offset, NbdPayload.Of(buffers), forceUnitAccess, cancellationToken);

    /// <summary>NBD_CMD_FLUSH: every write completed before it is durable. Throws <see cref="NotSupportedException"/> when the server does not take FLUSH.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!Export.CanFlush)
        {
            return ValueTask.FromException(new NotSupportedException($"The NBD export {Endpoint} does not take FLUSH."));
        }

        return SubmitAsync(NbdCommand.Flush, NbdCommandFlags.None, 0, 0, default, cancellationToken);
    }

    /// <summary>NBD_CMD_TRIM of a range: a hint; the range reads back as zeros or its old data. Throws <see cref="NotSupportedException"/> when the server does not take TRIM.</summary>
    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        if (!Export.CanTrim)
        {
            return ValueTask.FromException(new NotSupportedException($"The NBD export {Endpoint} does not take TRIM."));
        }

        if (Export.IsReadOnly)
        {
            return ValueTask.FromException(new InvalidOperationException($"The NBD export {Endpoint} is read-only."));
        }

        if (offset < 0 || length < 0 || offset > Export.Size - length)
        {
            return ValueTask.FromException(new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + length} lie outside the export's {Export.Size} bytes."));
        }

        if (length == 0)
        {
            return default;
        }

        return length <= MaxTrimChunk
            ? SubmitAsync(NbdCommand.Trim, NbdCommandFlags.None, offset, (uint)length, default, cancellationToken)
            : TrimInChunksAsync(offset, length, cancellationToken);
    }

    /// <summary>
    /// Closes the connection politely: waits (up to the request timeout) for the requests in flight,
    /// sends NBD_CMD_DISC and closes the socket. Requests made afterwards fail with <see cref="NbdConnectionException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (IsConnected)
        {
            Task drained;
            lock (_gate)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_inFlightCount == 0)
                {
                    _drained.TrySetResult();
                }

                drained = _drained.Task;
            }

            await Task.WhenAny(drained, _closed.Task, Task.Delay(_options.RequestTimeout)).ConfigureAwait(false);
            if (IsConnected && _free.Reader.TryRead(out var disconnect))
            {
                disconnect.Prepare(NbdCommand.Disconnect, NbdCommandFlags.None, 0, 0, default);
                var sent = new ValueTask(disconnect, disconnect.Version);
                if (!_sendQueue.Writer.TryWrite(disconnect))
                {
                    disconnect.ReleaseSender();
                }

                try
                {
                    await sent.AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or TimeoutException)
                {
                    // Closing anyway.
                }
            }
        }

        Fail(new NbdConnectionException($"The NBD client of {Endpoint} was closed."));
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_sender, _receiver).ConfigureAwait(false);
    }

    /// <summary>Starts a READ or WRITE of <paramref name="payload"/> (the LUN's entry point, without re-wrapping its buffers).</summary>
    internal ValueTask TransferAsync(bool write, long offset, NbdPayload payload, CancellationToken cancellationToken) => write
        ? WriteCoreAsync(offset, payload, forceUnitAccess: false, cancellationToken)
        : TransferAsync(NbdCommand.Read, NbdCommandFlags.None, offset, payload, cancellationToken);

    /// <summary>A slot whose caller has taken its result goes back to the free list.</summary>
    internal void Return(NbdRequest request) => _free.Writer.TryWrite(request);

    private ValueTask WriteCoreAsync(long offset, NbdPayload payload, bool forceUnitAccess, CancellationToken cancellationToken)
    {
        if (Export.IsReadOnly)
        {
            return ValueTask.FromException(new InvalidOperationException($"The NBD export {Endpoint} is read-only."));
        }

        var flags = forceUnitAccess && Export.CanFua ? NbdCommandFlags.ForceUnitAccess : NbdCommandFlags.None;
        return TransferAsync(NbdCommand.Write, flags, offset, payload, cancellationToken);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask TransferAsync(NbdCommand command, NbdCommandFlags flags, long offset, NbdPayload payload, CancellationToken cancellationToken)
    {
        if (offset < 0 || offset > Export.Size - payload.Length)
        {
            return ValueTask.FromException(new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + payload.Length} lie outside the export's {Export.Size} bytes."));
        }

        if (payload.Length == 0)
        {
            return default;
        }

        return payload.Length <= Export.MaxPayload
            ? SubmitAsync(command, flags, offset, (uint)payload.Length, payload, cancellationToken)
            : TransferInChunksAsync(command, flags, offset, payload, cancellationToken);
    }

    /// <summary>A transfer over the server's payload limit: every chunk in flight together, awaited before returning.</summary>
    private async ValueTask TransferInChunksAsync(NbdCommand command, NbdCommandFlags flags, long offset, NbdPayload payload, CancellationToken cancellationToken)
    {
        var chunks = new List<Task>((int)(payload.Length / Export.MaxPayload) + 1);
        Exception? first = null;
        try
        {
            while (payload.Length > 0)
            {
                var count = (int)Math.Min(payload.Length, Export.MaxPayload);
                var chunk = payload.Take(count, out payload);
                chunks.Add(SubmitAsync(command, flags, offset, (uint)count, chunk, cancellationToken).AsTask());
                offset += count;
            }
        }
        catch (Exception e)
        {
            first = e; // the chunks already sent are still awaited: they use the caller's memory
        }

        foreach (var chunk in chunks)
        {
            try
            {
                await chunk.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }

        if (first is not null)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }

    private async ValueTask TrimInChunksAsync(long offset, long length, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            var count = (int)Math.Min(length, MaxTrimChunk);
            await SubmitAsync(NbdCommand.Trim, NbdCommandFlags.None, offset, (uint)count, default, cancellationToken).ConfigureAwait(false);
            offset += count;
            length -= count;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask SubmitAsync(NbdCommand command, NbdCommandFlags flags, long offset, uint length, NbdPayload payload, CancellationToken cancellationToken)
    {
        if (!_free.Reader.TryRead(out var request))
        {
            return SubmitWhenFreeAsync(command, flags, offset, length, payload, cancellationToken);
        }

        return Submit(request, command, flags, offset, length, payload);
    }

    /// <summary>Every slot is in flight: wait for one. A dead connection frees them all, so this ends.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SubmitWhenFreeAsync(NbdCommand command, NbdCommandFlags flags, long offset, uint length, NbdPayload payload, CancellationToken cancellationToken)
    {
        var request = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        await Submit(request, command, flags, offset, length, payload).ConfigureAwait(false);
    }

    private ValueTask Submit(NbdRequest request, NbdCommand command, NbdCommandFlags flags, long offset, uint length, NbdPayload payload)
    {
        request.Prepare(command, flags, offset, length, payload);
        var task = new ValueTask(request, request.Version);
        NbdConnectionException? failure;
        lock (_gate)
        {
            failure = _failure;
            if (failure is null)
            {
                request.QueuedAt = Environment.TickCount64;
                _inFlight[request.Index] = request;
                _inFlightCount++;
            }
        }

        if (failure is not null)
        {
            request.Refuse(failure);
            return task;
        }

        // A completed queue means the connection failed after the slot was registered: the
        // failure's sweep answers the receiver's part, this the sender's.
        if (!_sendQueue.Writer.TryWrite(request))
        {
            request.ReleaseSender();
        }

        return task;
    }

    private NbdRequest? TakeInFlight(ulong cookie)
    {
        var index = (int)(cookie & 0xFFFF);
        lock (_gate)
        {
            if ((uint)index >= (uint)_inFlight.Length)
            {
                return null;
            }

            var request = _inFlight[index];
            if (request is null || request.Cookie != cookie)
            {
                return null;
            }

            _inFlight[index] = null;
            if (--_inFlightCount == 0)
            {
                _drained?.TrySetResult();
            }

            return request;
        }
    }

    /// <summary>Fails the connection once: closes the socket and answers every request still waiting for a reply.</summary>
    private NbdConnectionException Fail(NbdConnectionException reason)
    {
        List<NbdRequest> waiting = [];
        lock (_gate)
        {
            if (_failure is not null)
            {
                return _failure;
            }

            Volatile.Write(ref _failure, reason);
            for (var i = 0; i < _inFlight.Length; i++)
            {
                if (_inFlight[i] is { } request)
                {
                    waiting.Add(request);
                    _inFlight[i] = null;
                }
            }

            _inFlightCount = 0;
            _drained?.TrySetResult();
        }

        _sendQueue.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        _socket.Dispose();
        foreach (var request in waiting)
        {
            request.Abort(reason);
        }

        _closed.TrySetResult(reason);
        return reason;
    }

    private void CheckDeadlines()
    {
        var now = Environment.TickCount64;
        NbdRequest? late = null;
        lock (_gate)
        {
            for (var i = 0; i < _inFlight.Length; i++)
            {
                if (_inFlight[i] is { } request && now - request.QueuedAt > _timeoutMs)
                {
                    late = request;
                    break;
                }
            }
        }

        if (late is not null)
        {
            Fail(new NbdConnectionException(
                $"The NBD server at {Endpoint} did not answer {late.Description} within {_options.RequestTimeout.TotalSeconds} s."));
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _sendQueue.Reader;
        var used = 0;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var request))
                {
                    try
                    {
                        if (Volatile.Read(ref _failure) is not null)
                        {
                            continue;
                        }

                        if (used + NbdWire.RequestHeaderLength > _send.Length)
                        {
                            await SendAllAsync(_send.AsMemory(0, used)).ConfigureAwait(false);
                            used = 0;
                        }

                        request.WriteHeader(_send.AsSpan(used));
                        used += NbdWire.RequestHeaderLength;
                        if (request.Command == NbdCommand.Write)
                        {
                            foreach (var piece in request.Payload)
                            {
                                if (piece.Length >= DirectThreshold)
                                {
                                    if (used > 0)
                                    {
                                        await SendAllAsync(_send.AsMemory(0, used)).ConfigureAwait(false);
                                        used = 0;
                                    }

                                    await SendAllAsync(piece).ConfigureAwait(false);
                                    continue;
                                }

                                var rest = piece;
                                while (!rest.IsEmpty)
                                {
                                    if (used == _send.Length)
                                    {
                                        await SendAllAsync(_send.AsMemory(0, used)).ConfigureAwait(false);
                                        used = 0;
                                    }

                                    var count = Math.Min(rest.Length, _send.Length - used);
                                    rest.Span[..count].CopyTo(_send.AsSpan(used));
                                    used += count;
                                    rest = rest[count..];
                                }
                            }
                        }
                    }
                    finally
                    {
                        request.ReleaseSender();
                    }
                }

                // The queue is empty: what is coalesced goes out now.
                if (used > 0)
                {
                    await SendAllAsync(_send.AsMemory(0, used)).ConfigureAwait(false);
                    used = 0;
                }
            }
        }
        catch (Exception e)
        {
            Fail(e as NbdConnectionException ?? new NbdConnectionException($"Sending to the NBD server at {Endpoint} failed: {e.Message}", e));
        }

        // Requests queued after the failure: their callers are waiting for the sender's part.
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var request))
            {
                request.ReleaseSender();
            }
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var sent = await _socket.SendAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            buffer = buffer[sent..];
        }
    }

    private async Task ReceiveLoopAsync()
    {
        NbdRequest? current = null;
        try
        {
            while (true)
            {
                if (!await FillAsync(NbdWire.SimpleReplyHeaderLength).ConfigureAwait(false))
                {
                    Fail(new NbdConnectionException($"The NBD server at {Endpoint} closed the connection."));
                    return;
                }

                var header = _receive.AsSpan(_receiveStart, NbdWire.SimpleReplyHeaderLength);
                var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
                var error = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
                var cookie = BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
                _receiveStart += NbdWire.SimpleReplyHeaderLength;
                if (magic != NbdWire.SimpleReplyMagic)
                {
                    throw Violation(magic == NbdWire.StructuredReplyMagic
                        ? "it sent a structured reply, which was never negotiated"
                        : $"a reply starts 0x{magic:x8}, not the simple reply magic 0x{NbdWire.SimpleReplyMagic:x8}");
                }

                current = TakeInFlight(cookie) ?? throw Violation($"it answered cookie 0x{cookie:x}, which is not in flight");
                if (error == 0 && current.Command == NbdCommand.Read)
                {
                    await ReceivePayloadAsync(current.Payload).ConfigureAwait(false);
                }

                var done = current;
                current = null;
                done.Answer(error > int.MaxValue ? int.MaxValue : (int)error);
            }
        }
        catch (Exception e)
        {
            var failure = Fail(e as NbdConnectionException ?? new NbdConnectionException($"Receiving from the NBD server at {Endpoint} failed: {e.Message}", e));
            current?.Abort(failure);
        }
    }

    /// <summary>At least <paramref name="count"/> bytes buffered; false when the server closed between replies.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(int count)
    {
        if (_receiveEnd - _receiveStart >= count)
        {
            return true;
        }

        if (_receiveStart > 0)
        {
            _receive.AsSpan(_receiveStart, _receiveEnd - _receiveStart).CopyTo(_receive);
            _receiveEnd -= _receiveStart;
            _receiveStart = 0;
        }

        while (_receiveEnd < count)
        {
            var got = await _socket.ReceiveAsync(_receive.AsMemory(_receiveEnd), SocketFlags.None).ConfigureAwait(false);
            if (got == 0)
            {
                return _receiveEnd == 0 ? false : throw CutShort();
            }

            _receiveEnd += got;
        }

        return true;
    }

    /// <summary>A READ's data into the caller's memory: what is buffered is copied, large pieces are received in place.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReceivePayloadAsync(NbdPayload payload)
    {
        foreach (var target in payload)
        {
            var piece = target;
            while (!piece.IsEmpty)
            {
                var buffered = _receiveEnd - _receiveStart;
                if (buffered > 0)
                {
                    var count = Math.Min(buffered, piece.Length);
                    _receive.AsSpan(_receiveStart, count).CopyTo(piece.Span);
                    _receiveStart += count;
                    piece = piece[count..];
                    continue;
                }

                if (piece.Length >= DirectThreshold)
                {
                    var got = await _socket.ReceiveAsync(piece, SocketFlags.None).ConfigureAwait(false);
                    piece = got > 0 ? piece[got..] : throw CutShort();
                }
                else
                {
                    _receiveStart = 0;
                    _receiveEnd = await _socket.ReceiveAsync(_receive.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                    if (_receiveEnd == 0)
                    {
                        throw CutShort();
                    }
                }
            }
        }
    }

    private NbdConnectionException CutShort() => new($"The NBD server at {Endpoint} closed the connection in the middle of a reply.");

    private NbdConnectionException Violation(string what) => new($"The NBD server at {Endpoint} broke the protocol: {what}.");
}
