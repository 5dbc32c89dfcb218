// The simulation polls admissions instead of awaiting them, so that no continuation runs on the thread pool;
// each ValueTask is still consumed exactly once, after IsCompleted.
#pragma warning disable CA2012

using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>
/// A block initiator in simulated time: it keeps <c>depth</c> requests waiting for admission, and
/// issues the next as soon as one is admitted, as BlkBack does with a full ring. Polls completions
/// without awaiting, so no continuation runs and each run is the same.
/// </summary>
internal sealed class GateInitiator(PortScheduler port, QosNode leaf, int requestBytes, int depth)
{
    private readonly ValueTask[] _slots = new ValueTask[depth];
    private readonly bool[] _issued = new bool[depth];
    private long _markBytes;
    private long _markOps;
    private TimeSpan _markAt;

    public long Bytes { get; private set; }

    public long Ops { get; private set; }

    public void Poll()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            while (!_issued[i] || _slots[i].IsCompleted)
            {
                if (_issued[i])
                {
                    _slots[i].GetAwaiter().GetResult();
                    Bytes += requestBytes;
                    Ops++;
                }

                _slots[i] = port.WaitAdmitAsync(leaf, requestBytes);
                _issued[i] = true;
            }
        }
    }

    public void Mark(TimeSpan at)
    {
        _markBytes = Bytes;
        _markOps = Ops;
        _markAt = at;
    }

    public double BytesPerSecondSinceMark(TimeSpan now) => (Bytes - _markBytes) / (now - _markAt).TotalSeconds;

    public double OpsPerSecondSinceMark(TimeSpan now) => (Ops - _markOps) / (now - _markAt).TotalSeconds;

    public static void Run(ManualClock clock, TimeSpan warmup, TimeSpan measured, params GateInitiator[] initiators)
    {
        var step = TimeSpan.FromMicroseconds(100);
        var end = clock.Elapsed + warmup;
        var marked = false;
        while (true)
        {
            if (!marked && clock.Elapsed >= end)
            {
                foreach (var initiator in initiators)
                {
                    initiator.Mark(clock.Elapsed);
                }

                marked = true;
                end = clock.Elapsed + measured;
            }
            else if (marked && clock.Elapsed >= end)
            {
                break;
            }

            foreach (var initiator in initiators)
            {
                initiator.Poll();
            }

            clock.Advance(step);
        }

        Assert.IsTrue(marked);
    }
}
