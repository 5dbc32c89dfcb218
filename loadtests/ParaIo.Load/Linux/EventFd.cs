using Microsoft.Win32.SafeHandles;

namespace ParaIo.Load.Linux;

/// <summary>
/// A blocking eventfd(2): the bare kernel doorbell that the blocking round-trip baseline ping-pongs
/// on. A write adds to the counter; a read sleeps until it is non-zero, then takes and clears it.
/// </summary>
internal sealed unsafe class EventFd : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly int _fd;

    private EventFd(SafeFileHandle handle)
    {
        _handle = handle;
        _fd = (int)handle.DangerousGetHandle();
    }

    /// <summary>The descriptor, to pass to the peer with SCM_RIGHTS.</summary>
    public int Descriptor => _fd;

    /// <summary>Creates a blocking eventfd with a zero counter.</summary>
    public static EventFd Create()
    {
        var fd = Native.EventFd(0, Native.EFD_CLOEXEC);
        if (fd < 0)
        {
            throw Native.ErrnoException("eventfd");
        }

        return new EventFd(new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>Wraps a descriptor received from the other process; takes ownership.</summary>
    public static EventFd Adopt(SafeFileHandle handle) => new(handle);

    /// <summary>Adds <paramref name="value"/> to the counter, waking a reader.</summary>
    public void Signal(ulong value = 1)
    {
        while (Native.Write(_fd, &value, sizeof(ulong)) != sizeof(ulong))
        {
            if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Native.EINTR)
            {
                throw Native.ErrnoException("write to an eventfd");
            }
        }
    }

    /// <summary>Sleeps until the counter is non-zero, then takes it.</summary>
    public ulong Wait()
    {
        ulong value;
        while (Native.Read(_fd, &value, sizeof(ulong)) != sizeof(ulong))
        {
            if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Native.EINTR)
            {
                throw Native.ErrnoException("read from an eventfd");
            }
        }

        return value;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
