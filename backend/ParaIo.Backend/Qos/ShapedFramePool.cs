namespace ParaIo.Backend.Qos;

/// <summary>
/// The free <see cref="ShapedFrame"/>s of one shaper. Its lock is a leaf: nothing else is taken
/// under it, so frames may be returned from under the scheduler's lock (a removal's discards).
/// </summary>
internal sealed class ShapedFramePool
{
    private readonly Lock _lock = new();
    private readonly Stack<ShapedFrame> _free = new();

    public ShapedFrame Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out var frame))
            {
                return frame;
            }
        }

        return new ShapedFrame();
    }

    public void Return(ShapedFrame frame)
    {
        frame.Clear();
        lock (_lock)
        {
            _free.Push(frame);
        }
    }
}
