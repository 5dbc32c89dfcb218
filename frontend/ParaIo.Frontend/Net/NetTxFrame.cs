using ParaIo.Protocol.Net;

namespace ParaIo.Frontend.Net;

/// <summary>
/// A frame being built for sending, directly in pool pages the backend can read: the caller
/// writes the bytes in place (<see cref="GetSegment"/>, or <see cref="GetSpan"/> and
/// <see cref="Advance"/> in order), then <see cref="Send(NetTxOffload)"/>s it with its offload metadata, and no
/// byte is copied on the way to the bridge. Leases are pooled: after <see cref="Send(NetTxOffload)"/> or
/// <see cref="Cancel"/> the object belongs to the device again.
/// </summary>
public sealed class NetTxFrame
{
    private readonly NetFrontDevice _device;
    private readonly int[] _pages = new int[NetifProtocol.PagesFor(NetifProtocol.MaxFrameSize)];
    private int _written;

    internal NetTxFrame(NetFrontDevice device) => _device = device;

    /// <summary>The frame's length, fixed when it was begun.</summary>
    public int Length { get; private set; }

    /// <summary>Pages it spans: 4 KiB each, the last one partly.</summary>
    public int SegmentCount { get; private set; }

    /// <summary>Bytes written so far through <see cref="Advance"/>.</summary>
    public int Written => _written;

    internal bool IsActive { get; private set; }

    internal ReadOnlySpan<int> Pages => _pages.AsSpan(0, SegmentCount);

    /// <summary>Bytes <c>4096·i</c> .. of the frame: page <paramref name="index"/>, writable.</summary>
    public Span<byte> GetSegment(int index)
    {
        ThrowIfInactive();
        if ((uint)index >= (uint)SegmentCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        var length = Math.Min(NetifProtocol.PageSize, Length - (index * NetifProtocol.PageSize));
        return _device.TxPage(_pages[index])[..length];
    }

    /// <summary>The unwritten rest of the current page (empty once the frame is full).</summary>
    public Span<byte> GetSpan()
    {
        ThrowIfInactive();
        if (_written == Length)
        {
            return [];
        }

        return GetSegment(_written / NetifProtocol.PageSize)[(_written % NetifProtocol.PageSize)..];
    }

    /// <summary>Marks <paramref name="count"/> bytes of <see cref="GetSpan"/> written.</summary>
    public void Advance(int count)
    {
        ThrowIfInactive();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Length - _written);
        _written += count;
    }

    /// <summary>Copies <paramref name="source"/> into the frame after what was written.</summary>
    public void Write(ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            var span = GetSpan();
            if (span.IsEmpty)
            {
                throw new ArgumentException("The data is longer than the frame.", nameof(source));
            }

            var take = Math.Min(span.Length, source.Length);
            source[..take].CopyTo(span);
            source = source[take..];
            Advance(take);
        }
    }

    /// <summary>Publishes the frame on the queue of its flow; the lease ends.</summary>
    /// <exception cref="ObjectDisposedException">The device was disposed meanwhile (the frame is lost).</exception>
    public void Send(NetTxOffload offload = default)
    {
        ThrowIfInactive();
        _device.Send(this, offload, more: false);
    }

    /// <summary>
    /// Writes the frame to the ring of its flow; with <paramref name="more"/> the caller has more
    /// frames to send at once, and the ring is published (one release store, at most one notify)
    /// with the next frame sent without it, or by <see cref="NetFrontDevice.Flush"/>. The lease ends.
    /// </summary>
    /// <remarks>A frame sent with <paramref name="more"/> is not seen by the backend until then: the caller must end every burst.</remarks>
    /// <exception cref="ObjectDisposedException">The device was disposed meanwhile (the frame is lost).</exception>
    public void Send(NetTxOffload offload, bool more)
    {
        ThrowIfInactive();
        _device.Send(this, offload, more);
    }

    /// <summary>Gives the pages back unsent; the lease ends.</summary>
    public void Cancel()
    {
        ThrowIfInactive();
        _device.Cancel(this);
    }

    internal void Begin(int length, int pages)
    {
        Length = length;
        SegmentCount = pages;
        _written = 0;
        IsActive = true;
    }

    internal int[] PageArray => _pages;

    internal void End()
    {
        IsActive = false;
        SegmentCount = 0;
        Length = 0;
    }

    private void ThrowIfInactive()
    {
        if (!IsActive)
        {
            throw new InvalidOperationException("The frame was sent or cancelled; begin a new one.");
        }
    }
}
