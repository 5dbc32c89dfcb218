using System.Numerics;

namespace ParaIo.RingBuffer.Rings;

/// <summary>
/// Byte layout of a shared ring (Xen <c>io/ring.h</c> semantics). One ring occupies 2^order
/// consecutive pool pages (order 0..4):
/// <code>
///  +0     u32 req_prod    written by the frontend: requests published up to here
///  +128   u32 req_event   written by the backend: notify me when req_prod passes this
///  +256   u32 rsp_prod    written by the backend: responses published up to here
///  +384   u32 rsp_event   written by the frontend: notify me when rsp_prod passes this
///  +512   slot[0 .. size-1], each max(sizeof(request), sizeof(response)) bytes;
///         a response overwrites the request slot it answers, as in Xen's union entries
/// </code>
/// Indices are free-running u32 counters; a slot is <c>index &amp; (size - 1)</c>, size being the
/// largest power of two of slots that fits.
/// </summary>
/// <remarks>
/// Departure from Xen: Xen packs the four indices into the first 16 bytes of a 64-byte header, so
/// the producer's and the consumer's stores fight over one cache line. ParaIo gives each index its
/// own 128-byte block (two lines, beating the adjacent-line prefetcher, as Agrona spaces its
/// trailer counters). For the netif and blkif entry sizes the slot count is the same as Xen's,
/// because it is rounded down to a power of two either way.
/// </remarks>
public static class RingLayout
{
    /// <summary>Spacing of the header's index fields.</summary>
    public const int IndexStride = 128;

    public const int RequestProducerOffset = 0;
    public const int RequestEventOffset = IndexStride;
    public const int ResponseProducerOffset = 2 * IndexStride;
    public const int ResponseEventOffset = 3 * IndexStride;

    /// <summary>Offset of slot 0.</summary>
    public const int HeaderSize = 4 * IndexStride;

    /// <summary>Largest <c>ring-page-order</c>: 16 pages.</summary>
    public const int MaxPageOrder = 4;

    /// <summary>Slots in a ring of 2^<paramref name="pageOrder"/> pages with slots of <paramref name="slotSize"/> bytes.</summary>
    public static uint SlotCount(int pageOrder, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageOrder, MaxPageOrder);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        var fit = (uint)(((Grants.PoolLayout.PageSize << pageOrder) - HeaderSize) / slotSize);
        if (fit == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slotSize), $"A {slotSize}-byte slot does not fit a ring of {1 << pageOrder} pages.");
        }

        return 1u << BitOperations.Log2(fit);
    }

    /// <summary>Bytes of a slot for the given request and response types.</summary>
    public static unsafe int SlotSize<TRequest, TResponse>()
        where TRequest : unmanaged
        where TResponse : unmanaged => Math.Max(sizeof(TRequest), sizeof(TResponse));
}
