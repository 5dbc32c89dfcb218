using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParaIo.Backend.Block;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Backend.San;

/// <summary>
/// A LUN on a SAN: an NBD export (nbdkit, qemu-nbd, any NBD server) reached through one
/// <see cref="NbdClient"/> connection. When the connection drops the LUN reconnects in the
/// background, with backoff; the requests it had in flight, and those that arrive meanwhile, are
/// sent again on the new connection. A request that cannot be answered within
/// <see cref="NbdLunOptions.ReconnectDeadline"/> of its first failure fails with
/// <see cref="IOException"/>, which BlkBack answers with an error: the guest never hangs.
/// </summary>
/// <remarks>
/// Writes re-sent after a reconnect may reach the storage twice; a block write is idempotent, so
/// the disk ends as the guest expects. What a restarted server kept of writes it acknowledged but
/// never flushed depends on the server (nbdkit's file plugin keeps them in the image; its memory
/// plugin loses everything).
/// </remarks>
public sealed class NbdLun : ILun, IAsyncDisposable
{
    private const int ENOTSUP = 95;

    private readonly NbdEndpoint _endpoint;
    private readonly NbdLunOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly long _deadlineMs;
    private NbdClient? _client;
    private NbdExport _export;
    private TaskCompletionSource<NbdClient?> _reconnected = NewSignal();
    private Task _reconnecting = Task.CompletedTask;
    private Exception? _lastFailure;
    private bool _disposed;
    private long _reconnects;
    private long _connectedAt;
    private TimeSpan _backoff;
    private long _retries;

    private NbdLun(NbdEndpoint endpoint, NbdLunOptions options, ILogger logger, NbdClient client)
    {
        _endpoint = endpoint;
        _options = options;
        _logger = logger;
        _deadlineMs = (long)options.ReconnectDeadline.TotalMilliseconds;
        _export = client.Export;
        SectorSize = Math.Max(512, client.Export.MinimumBlockSize);
        PhysicalSectorSize = Math.Max(SectorSize, Math.Min(client.Export.PreferredBlockSize, 4096));
        IsReadOnly = options.ReadOnly || client.Export.IsReadOnly;
        CanDiscard = !IsReadOnly && client.Export.CanTrim;
        Publish(client);
    }

    /// <inheritdoc />
    public long Size => Volatile.Read(ref _export).Size & ~(long)(SectorSize - 1);

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <inheritdoc />
    public int PhysicalSectorSize { get; }

    /// <inheritdoc />
    public bool IsReadOnly { get; }

    /// <inheritdoc />
    public bool CanDiscard { get; }

    /// <summary>Where the export is.</summary>
    public NbdEndpoint Endpoint => _endpoint;

    /// <summary>The export as its server described it on the latest connection.</summary>
    public NbdExport Export => Volatile.Read(ref _export);

    /// <summary>True while a connection is up.</summary>
    public bool IsConnected => Volatile.Read(ref _client) is { IsConnected: true };

    /// <summary>Connections made after the first one.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Requests sent again (or made to wait) because their connection failed.</summary>
    public long RetriedRequests => Interlocked.Read(ref _retries);

    /// <summary>
    /// Connects to the export <paramref name="uri"/> names (<c>nbd+unix:///EXPORT?socket=PATH</c>
    /// or <c>nbd://HOST:PORT/EXPORT</c>). The first connection must succeed: a LUN is not made for
    /// an export that cannot be reached.
    /// </summary>
    public static Task<NbdLun> ConnectAsync(Uri uri, NbdLunOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(uri, options, null, cancellationToken);

    /// <summary>As <see cref="ConnectAsync(Uri, NbdLunOptions?, CancellationToken)"/>, logging connection losses and reconnects to <paramref name="logger"/>.</summary>
    public static Task<NbdLun> ConnectAsync(Uri uri, NbdLunOptions? options, ILogger? logger, CancellationToken cancellationToken = default) =>
        ConnectAsync(NbdEndpoint.Parse(uri), options, logger, cancellationToken);

    /// <summary>Connects to <paramref name="endpoint"/>'s export.</summary>
    public static async Task<NbdLun> ConnectAsync(NbdEndpoint endpoint, NbdLunOptions? options, ILogger? logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new NbdLunOptions();
        options.Validate();
        var client = await NbdClient.ConnectAsync(endpoint, options.Client, cancellationToken).ConfigureAwait(false);
        return new NbdLun(endpoint, options, logger ?? NullLogger.Instance, client);
    }

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        RunAsync(new Operation(OperationKind.Read, offset, buffer.Length, NbdPayload.Of(buffer)), cancellationToken);

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        var payload = NbdPayload.Of(buffers);
        return RunAsync(new Operation(OperationKind.Read, offset, payload.Length, payload), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        return RunAsync(new Operation(OperationKind.Write, offset, buffer.Length, NbdPayload.Of(buffer)), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        var payload = NbdPayload.Of(buffers);
        return RunAsync(new Operation(OperationKind.Write, offset, payload.Length, payload), cancellationToken);
    }

    /// <summary>
    /// NBD_CMD_FLUSH. A server that does not offer FLUSH has no write cache to empty (its
    /// completed writes are as durable as it makes them), so the flush completes at once.
    /// </summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) =>
        Export.CanFlush ? RunAsync(new Operation(OperationKind.Flush, 0, 0, default), cancellationToken) : default;

    /// <inheritdoc />
    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        if (!CanDiscard)
        {
            throw new NotSupportedException($"The NBD export {_endpoint} does not take TRIM.");
        }

        return RunAsync(new Operation(OperationKind.Discard, offset, length, default), cancellationToken);
    }

    /// <summary>Closes the connection (after the requests in flight, with NBD_CMD_DISC) and stops reconnecting; later requests fail with <see cref="IOException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        NbdClient? client;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            client = _client;
            _client = null;
            _reconnected.TrySetResult(null);
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _reconnecting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to retry.
        }

        _disposing.Dispose();
    }

    private static TaskCompletionSource<NbdClient?> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static ValueTask Start(NbdClient client, in Operation operation, CancellationToken cancellationToken) => operation.Kind switch
    {
        OperationKind.Read => client.TransferAsync(write: false, operation.Offset, operation.Payload, cancellationToken),
        OperationKind.Write => client.TransferAsync(write: true, operation.Offset, operation.Payload, cancellationToken),
        OperationKind.Flush => client.FlushAsync(cancellationToken),
        _ => client.TrimAsync(operation.Offset, operation.Length, cancellationToken),
    };

    /// <summary>The fast path: the current connection, and no state machine when the request completes at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask RunAsync(Operation operation, CancellationToken cancellationToken)
    {
        if (operation.Offset < 0 || operation.Length < 0 || operation.Offset > Size - operation.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(operation), $"Bytes {operation.Offset}..{operation.Offset + operation.Length} lie outside the LUN's {Size} bytes.");
        }

        var client = Volatile.Read(ref _client);
        if (client is null)
        {
            return RetryAsync(operation, cancellationToken);
        }

        var io = Start(client, operation, cancellationToken);
        return io.IsCompletedSuccessfully ? io : CompleteAsync(io, client, operation, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CompleteAsync(ValueTask io, NbdClient client, Operation operation, CancellationToken cancellationToken)
    {
        try
        {
            await io.ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (IsConnectionLoss(e))
        {
            ConnectionLost(client, e);
        }
        catch (NbdServerErrorException e) when (operation.Kind == OperationKind.Discard && e.Error == ENOTSUP)
        {
            throw new NotSupportedException(e.Message, e);
        }

        await RetryAsync(operation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The slow path: wait for a connection, send, and again after each loss, until the deadline.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RetryAsync(Operation operation, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _retries);
        var deadline = Environment.TickCount64 + _deadlineMs;
        while (true)
        {
            var client = await WaitForConnectionAsync(deadline, cancellationToken).ConfigureAwait(false);
            try
            {
                await Start(client, operation, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (IsConnectionLoss(e))
            {
                ConnectionLost(client, e);
            }
            catch (NbdServerErrorException e) when (operation.Kind == OperationKind.Discard && e.Error == ENOTSUP)
            {
                throw new NotSupportedException(e.Message, e);
            }
        }
    }

    private async ValueTask<NbdClient> WaitForConnectionAsync(long deadline, CancellationToken cancellationToken)
    {
        Task<NbdClient?> signal;
        lock (_gate)
        {
            if (_disposed)
            {
                throw new IOException($"The LUN on {_endpoint} is closed.");
            }

            if (_client is { } current)
            {
                return current;
            }

            signal = _reconnected.Task;
        }

        var remaining = deadline - Environment.TickCount64;
        try
        {
            if (remaining <= 0)
            {
                throw new TimeoutException();
            }

            return await signal.WaitAsync(TimeSpan.FromMilliseconds(remaining), cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"The LUN on {_endpoint} is closed.");
        }
        catch (TimeoutException)
        {
            var last = Volatile.Read(ref _lastFailure);
            throw new IOException(
                $"The NBD export {_endpoint} did not come back within {_options.ReconnectDeadline.TotalSeconds} s: {last?.Message ?? "no connection"}", last);
        }
    }

    private bool IsConnectionLoss(Exception e) =>
        !Volatile.Read(ref _disposed) && (e is NbdConnectionException || (e is NbdServerErrorException { Error: (int)NbdError.Shutdown }));

    /// <summary>The connection <paramref name="client"/> failed: forget it and reconnect, once however many requests noticed.</summary>
    private void ConnectionLost(NbdClient client, Exception reason)
    {
        lock (_gate)
        {
            if (_disposed || _client != client)
            {
                return;
            }

            _client = null;
            _reconnected = NewSignal();
            Volatile.Write(ref _lastFailure, reason);
            _reconnecting = Task.Run(() => ReconnectAsync(reason));
        }

        _logger.LogWarning("NBD LUN {Endpoint}: connection lost ({Reason}); reconnecting", _endpoint, reason.Message);
        _ = client.DisposeAsync().AsTask(); // failed already, or (ESHUTDOWN) closing politely in the background
    }

    private async Task ReconnectAsync(Exception reason)
    {
        // A connection that failed soon after it came up (a server that breaks on every request)
        // does not earn an immediate retry: the backoff carries on from the last reconnect.
        var backoff = Environment.TickCount64 - Volatile.Read(ref _connectedAt) < _options.MaxBackoff.TotalMilliseconds * 2 ? _backoff : TimeSpan.Zero;
        for (var attempt = 1; !_disposing.IsCancellationRequested; attempt++)
        {
            if (backoff > TimeSpan.Zero)
            {
                await Task.Delay(backoff, _disposing.Token).ConfigureAwait(false);
            }

            backoff = backoff == TimeSpan.Zero ? _options.InitialBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            NbdClient client;
            try
            {
                client = await NbdClient.ConnectAsync(_endpoint, _options.Client, _disposing.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                if (_disposing.IsCancellationRequested)
                {
                    return;
                }

                Volatile.Write(ref _lastFailure, e);
                _logger.LogDebug("NBD LUN {Endpoint}: reconnect attempt {Attempt} failed: {Reason}", _endpoint, attempt, e.Message);
                continue;
            }

            if (client.Export.MinimumBlockSize > SectorSize)
            {
                _logger.LogError("NBD LUN {Endpoint}: the export came back with a minimum block size of {Minimum}, above the LUN's sector size {Sector}; misaligned requests will fail", _endpoint, client.Export.MinimumBlockSize, SectorSize);
            }

            if (client.Export.Size != Export.Size)
            {
                _logger.LogWarning("NBD LUN {Endpoint}: the export came back with {Size} bytes, not {Old}", _endpoint, client.Export.Size, Export.Size);
            }

            _backoff = backoff;
            Interlocked.Increment(ref _reconnects);
            _logger.LogInformation("NBD LUN {Endpoint}: reconnected after {Attempts} attempt(s), lost because {Reason}", _endpoint, attempt, reason.Message);
            Publish(client);
            return;
        }
    }

    /// <summary>Makes <paramref name="client"/> the LUN's connection and wakes the requests waiting for one.</summary>
    private void Publish(NbdClient client)
    {
        TaskCompletionSource<NbdClient?> signal;
        lock (_gate)
        {
            if (_disposed)
            {
                _ = client.DisposeAsync().AsTask();
                return;
            }

            Volatile.Write(ref _export, client.Export);
            Volatile.Write(ref _connectedAt, Environment.TickCount64);
            Volatile.Write(ref _client, client);
            signal = _reconnected;
        }

        signal.TrySetResult(client);
        _ = WatchAsync(client);
    }

    /// <summary>Notices a lost connection even when no request is in flight, so the LUN is connected again before the next one.</summary>
    private async Task WatchAsync(NbdClient client)
    {
        var reason = await client.Closed.ConfigureAwait(false);
        ConnectionLost(client, reason);
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"The LUN on {_endpoint} is read-only.");
        }
    }

    private enum OperationKind
    {
        Read,
        Write,
        Flush,
        Discard,
    }

    /// <summary>One LUN request, kept whole so it can be sent again on a new connection.</summary>
    private readonly record struct Operation(OperationKind Kind, long Offset, long Length, NbdPayload Payload);
}
