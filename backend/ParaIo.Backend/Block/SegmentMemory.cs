using System.Buffers;

namespace ParaIo.Backend.Block;

/// <summary>
/// A <see cref="Memory{T}"/> over part of a mapped guest page, so that <see cref="ILun"/> reads and
/// writes land in the guest's page with no bounce buffer. One per segment slot of a pooled
/// request; re-pointed for every request, never allocated on the data path.
/// </summary>
/// <remarks>
/// The pointer comes from a live <c>GrantMapping</c> and is valid until the request unmaps it,
/// which happens only after the LUN's task completed; a LUN must not keep the memory beyond that
/// (the <see cref="ILun"/> contract).
/// </remarks>
internal sealed unsafe class SegmentMemory : MemoryManager<byte>
{
    private byte* _pointer;
    private int _length;

    public void Attach(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public void Detach()
    {
        _pointer = null;
        _length = 0;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    // The page is not managed memory: it never moves, so pinning only hands out the address.
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => Detach();
}
