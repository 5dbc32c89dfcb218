using ParaIo.Protocol.Block;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Backend.Block;

/// <summary>
/// One request being served: the backend's private copy of its segments, the grants it mapped,
/// and the memory views the LUN transfers through. Pooled by the device and reused, so the data
/// path allocates nothing per request; the segment arrays grow once to the indirect maximum the
/// first time an indirect request needs it.
/// </summary>
internal sealed class BlockRequest
{
    public BlockRequest(Action<BlockRequest> completed)
    {
        Resize(BlkifProtocol.MaxSegmentsPerRequest);
        OnIoCompleted = () => completed(this);
    }

    /// <summary>The frontend's cookie.</summary>
    public ulong Id;

    /// <summary>The operation the response names (an INDIRECT request's indirect_op).</summary>
    public BlkifOperation ResponseOperation;

    /// <summary>What the LUN is asked to do.</summary>
    public BlockWork Work;

    /// <summary>Disk offset in bytes.</summary>
    public long Offset;

    /// <summary>Bytes to transfer or discard.</summary>
    public long Length;

    /// <summary>The outcome, set when the request is answered.</summary>
    public BlkifStatus Status;

    /// <summary>Segments as validated, private to the backend (copied out of the ring or out of the indirect pages once).</summary>
    public BlkifSegment[] Segments = [];

    /// <summary>The grants mapped for the transfer; the first <see cref="MappedCount"/> are live.</summary>
    public GrantMapping[] Mappings = [];

    /// <summary>Live entries of <see cref="Mappings"/>.</summary>
    public int MappedCount;

    /// <summary>One memory view per segment.</summary>
    public SegmentMemory[] Memories = [];

    /// <summary>The views, as the LUN's scatter/gather list.</summary>
    public SegmentList Buffers = new(0);

    /// <summary>The write epoch a write joined, left when its I/O completes.</summary>
    public WriteEpochs.Epoch? Epoch;

    /// <summary>For a FLUSH: completes when the writes it must follow have completed.</summary>
    public Task? Drained;

    /// <summary>The LUN's pending task, while the request waits for it.</summary>
    public ValueTask Io;

    /// <summary>The cached continuation the LUN's task runs; no delegate is allocated per request.</summary>
    public Action OnIoCompleted { get; }

    public int Capacity => Segments.Length;

    /// <summary>Grows the per-segment arrays (on the ring thread, while the request is not in use).</summary>
    public void Resize(int capacity)
    {
        if (capacity <= Segments.Length)
        {
            return;
        }

        var memories = new SegmentMemory[capacity];
        Memories.CopyTo(memories, 0);
        for (var i = Memories.Length; i < capacity; i++)
        {
            memories[i] = new SegmentMemory();
        }

        Segments = new BlkifSegment[capacity];
        Mappings = new GrantMapping[capacity];
        Memories = memories;
        Buffers = new SegmentList(capacity);
    }

    /// <summary>Clears what the last use left, ready for the next request.</summary>
    public void Reset()
    {
        Id = 0;
        ResponseOperation = default;
        Work = BlockWork.None;
        Offset = 0;
        Length = 0;
        Status = BlkifStatus.Okay;
        MappedCount = 0;
        Buffers.Clear();
        Epoch = null;
        Drained = null;
        Io = default;
    }
}
