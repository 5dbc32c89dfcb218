using System.Runtime.CompilerServices;
using ParaIo.Backend.Block;

namespace ParaIo.Backend.Qos;

/// <summary>
/// A LUN seen through a vHBA: every read and write is admitted by the vHBA's node on its
/// VHBA-module port's scheduler (its bytes and one operation), every flush and discard as one
/// operation, before it reaches the LUN. A request over the vHBA's rates waits, it does not fail.
/// </summary>
/// <remarks>
/// A decorator, so BlkBack serves it like any LUN. <see cref="Close"/> (or <see cref="Dispose"/>)
/// fails the requests waiting for admission, and every later one, with an <see cref="IOException"/>
/// naming the vHBA, at once; requests already admitted finish. A request the scheduler refuses — the
/// vHBA was removed from its port, the port is disposed, or more requests wait than the port's
/// <see cref="PortSchedulerOptions.QueueCapacity"/> (which must therefore cover the queue depth of
/// all the vHBA's LUNs) — fails with an <see cref="IOException"/> naming the vHBA and the reason.
/// A request admitted at once costs no allocation beyond the LUN's own.
/// </remarks>
public sealed class GatedLun : ILun, IDisposable
{
    private readonly ILun _inner;
    private readonly CancellationTokenSource _closed = new();

    /// <summary>Gates <paramref name="inner"/> by <paramref name="flow"/>, a vHBA's leaf on its port's scheduler.</summary>
    public GatedLun(ILun inner, QosNode flow)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(flow);
        if (!flow.IsLeaf)
        {
            throw new ArgumentException($"'{flow.Name}' is not a leaf of its scheduler: admit at a vHBA without classes.", nameof(flow));
        }

        _inner = inner;
        Flow = flow;
    }

    /// <summary>The vHBA's node that admits the requests.</summary>
    public QosNode Flow { get; }

    /// <summary>Whether <see cref="Close"/> was called.</summary>
    public bool IsClosed => _closed.IsCancellationRequested;

    /// <inheritdoc />
    public long Size => _inner.Size;

    /// <inheritdoc />
    public int SectorSize => _inner.SectorSize;

    /// <inheritdoc />
    public int PhysicalSectorSize => _inner.PhysicalSectorSize;

    /// <inheritdoc />
    public bool IsReadOnly => _inner.IsReadOnly;

    /// <inheritdoc />
    public bool CanDiscard => _inner.CanDiscard;

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        return AdmittedNow(buffer.Length, cancellationToken, out var wait) ? _inner.ReadAsync(offset, buffer, cancellationToken) : ReadAfterAsync(wait, offset, buffer, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        var bytes = 0;
        for (var i = 0; i < buffers.Count; i++)
        {
            bytes += buffers[i].Length;
        }

        return AdmittedNow(bytes, cancellationToken, out var wait) ? _inner.ReadAsync(offset, buffers, cancellationToken) : ReadAfterAsync(wait, offset, buffers, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        return AdmittedNow(buffer.Length, cancellationToken, out var wait) ? _inner.WriteAsync(offset, buffer, cancellationToken) : WriteAfterAsync(wait, offset, buffer, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        var bytes = 0;
        for (var i = 0; i < buffers.Count; i++)
        {
            bytes += buffers[i].Length;
        }

        return AdmittedNow(bytes, cancellationToken, out var wait) ? _inner.WriteAsync(offset, buffers, cancellationToken) : WriteAfterAsync(wait, offset, buffers, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        return AdmittedNow(0, cancellationToken, out var wait) ? _inner.FlushAsync(cancellationToken) : FlushAfterAsync(wait, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        return AdmittedNow(0, cancellationToken, out var wait) ? _inner.DiscardAsync(offset, length, cancellationToken) : DiscardAfterAsync(wait, offset, length, cancellationToken);
    }

    /// <summary>Fails every request waiting for admission, and every later one, with an <see cref="IOException"/> naming the vHBA.</summary>
    public void Close() => _closed.Cancel();

    /// <summary>As <see cref="Close"/>.</summary>
    /// <remarks>The cancellation source stays undisposed: it holds no timer or wait handle, and requests racing the close still read it.</remarks>
    public void Dispose() => Close();

    /// <summary>
    /// Asks the scheduler to admit <paramref name="bytes"/> and one operation: true when it did at
    /// once, else <paramref name="wait"/> completes on admission or fails. Waits are cancelled by
    /// <see cref="Close"/>; a caller's own token costs a linked source (BlkBack passes none).
    /// </summary>
    private bool AdmittedNow(int bytes, CancellationToken cancellationToken, out ValueTask wait)
    {
        wait = default;
        if (_closed.IsCancellationRequested)
        {
            wait = ValueTask.FromException(ClosedError(null));
            return false;
        }

        ValueTask admit;
        try
        {
            admit = cancellationToken.CanBeCanceled
                ? AdmitLinkedAsync(bytes, cancellationToken)
                : Flow.Scheduler.WaitAdmitAsync(Flow, bytes, 1, _closed.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            wait = ValueTask.FromException(RefusedError(e));
            return false;
        }

        if (admit.IsCompletedSuccessfully)
        {
            admit.GetAwaiter().GetResult(); // consumes it: a pooled waiter goes back to its pool
            return true;
        }

        wait = Translate(admit, cancellationToken);
        return false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AdmitLinkedAsync(int bytes, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        await Flow.Scheduler.WaitAdmitAsync(Flow, bytes, 1, linked.Token).ConfigureAwait(false);
    }

    /// <summary>Turns a wait ended by <see cref="Close"/> or refused by the scheduler into the vHBA's <see cref="IOException"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask Translate(ValueTask admit, CancellationToken cancellationToken)
    {
        try
        {
            await admit.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ClosedError(null);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            throw RefusedError(e);
        }
    }

    private IOException ClosedError(Exception? inner) =>
        new($"vHBA '{Flow.Name}' is closed: the request was not issued.", inner);

    /// <summary>The scheduler refused the request: the vHBA was removed, its port disposed, or its admission queue is full.</summary>
    private IOException RefusedError(Exception inner) =>
        new($"vHBA '{Flow.Name}' refused the request: {inner.Message}", inner);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadAfterAsync(ValueTask admit, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await admit.ConfigureAwait(false);
        await _inner.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadAfterAsync(ValueTask admit, long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken)
    {
        await admit.ConfigureAwait(false);
        await _inner.ReadAsync(offset, buffers, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAfterAsync(ValueTask admit, long offset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await admit.ConfigureAwait(false);
        await _inner.WriteAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAfterAsync(ValueTask admit, long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken cancellationToken)
    {
        await admit.ConfigureAwait(false);
        await _inner.WriteAsync(offset, buffers, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAfterAsync(ValueTask admit, CancellationToken cancellationToken)
    {
        await admit.ConfigureAwait(false);
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DiscardAfterAsync(ValueTask admit, long offset, long length, CancellationToken cancellationToken)
    {
        await admit.ConfigureAwait(false);
        await _inner.DiscardAsync(offset, length, cancellationToken).ConfigureAwait(false);
    }
}
