namespace ParaIo.Qos.Tests;

/// <summary>What the simulation needs of a pacing scheduler, so that a broken one can be run through the same scenarios.</summary>
internal interface IPortUnderTest
{
    bool Enqueue(object leaf, object item, int bytes);

    bool TryDequeue(out object? leaf, out int bytes);
}
