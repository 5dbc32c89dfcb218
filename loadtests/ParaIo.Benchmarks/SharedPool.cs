using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Benchmarks;

/// <summary>
/// Guest and backend in one process: the guest's pool, and a second mapping of the same memfd
/// (through a dup of its descriptor) that the backend attaches and maps grants from, the way
/// SmokeTests wires them. Both ends see one set of physical pages, as across processes.
/// </summary>
public sealed class SharedPool : IDisposable
{
    public const ushort GuestDomain = 1;

    public SharedPool(int pages = 256)
    {
        Guest = GuestMemory.Create(pages, GuestDomain);
        var fd = Native.Dup((int)Guest.Pool.FileDescriptor.DangerousGetHandle());
        if (fd < 0)
        {
            throw new IOException($"dup failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        }

        BackendPool = GrantPool.Attach(new SafeFileHandle(fd, ownsHandle: true));
        Mapper = new GrantMapper(BackendPool, localDomain: 0, GuestDomain);
    }

    /// <summary>The guest's side: pool, grant table, pages, ports.</summary>
    public GuestMemory Guest { get; }

    /// <summary>The backend's mapping of the same pool.</summary>
    public GrantPool BackendPool { get; }

    /// <summary>The backend's grant mapper over <see cref="BackendPool"/>.</summary>
    public GrantMapper Mapper { get; }

    public void Dispose()
    {
        Mapper.UnmapAll();
        BackendPool.Dispose();
        Guest.Dispose();
    }
}
