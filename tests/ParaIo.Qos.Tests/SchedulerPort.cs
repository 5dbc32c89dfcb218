using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>The real <see cref="PortScheduler"/> behind the simulation's interface.</summary>
internal sealed class SchedulerPort(PortScheduler scheduler) : IPortUnderTest
{
    public bool Enqueue(object leaf, object item, int bytes) => scheduler.Enqueue((QosNode)leaf, item, bytes);

    public bool TryDequeue(out object? leaf, out int bytes)
    {
        if (scheduler.TryDequeue(out _, out var node, out bytes))
        {
            leaf = node;
            return true;
        }

        leaf = null;
        return false;
    }
}
