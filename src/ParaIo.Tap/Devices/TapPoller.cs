using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ParaIo.Tap.Linux;

namespace ParaIo.Tap.Devices;

/// <summary>
/// One epoll instance and one background thread for every TAP fd in the process, as .NET's own
/// socket engine does: an asynchronous read that finds the fd empty costs an EPOLL_CTL_MOD, not a
/// blocked thread. The thread only dispatches; continuations run on the thread pool.
/// </summary>
internal sealed unsafe class TapPoller
{
    private const int BatchSize = 64;

    private static readonly Lazy<TapPoller> s_shared = new(() => new TapPoller(), LazyThreadSafetyMode.ExecutionAndPublication);

    // x86_64 declares struct epoll_event packed (12 bytes); arm64 and the other 64-bit ABIs align the data word (16 bytes).
    private static readonly bool s_packedEvents = RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private readonly ConcurrentDictionary<ulong, FdReadiness> _registrations = new();
    private readonly int _epoll;
    private long _nextKey;

    private TapPoller()
    {
        _epoll = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            LibC.ThrowErrno("epoll_create1");
        }

        new Thread(Run) { IsBackground = true, Name = "paraio tap poller" }.Start();
    }

    public static TapPoller Shared => s_shared.Value;

    public ulong Register(int fd, FdReadiness readiness)
    {
        var key = (ulong)Interlocked.Increment(ref _nextKey);
        _registrations[key] = readiness;
        if (Control(LibC.EPOLL_CTL_ADD, fd, key, 0) != 0)
        {
            _registrations.TryRemove(key, out _);
            LibC.ThrowErrno("epoll_ctl(ADD)");
        }

        return key;
    }

    public void Arm(int fd, ulong key, uint events)
    {
        if (Control(LibC.EPOLL_CTL_MOD, fd, key, events) != 0)
        {
            LibC.ThrowErrno("epoll_ctl(MOD)");
        }
    }

    public void Unregister(int fd, ulong key)
    {
        _registrations.TryRemove(key, out _);
        Control(LibC.EPOLL_CTL_DEL, fd, key, 0);
    }

    private int Control(int operation, int fd, ulong key, uint events)
    {
        events |= LibC.EPOLLONESHOT;
        if (s_packedEvents)
        {
            var packed = new LibC.EpollEventPacked { Events = events, Data = key };
            return LibC.EpollCtl(_epoll, operation, fd, &packed);
        }

        var aligned = new LibC.EpollEventAligned { Events = events, Data = key };
        return LibC.EpollCtl(_epoll, operation, fd, &aligned);
    }

    private void Run()
    {
        var stride = s_packedEvents ? sizeof(LibC.EpollEventPacked) : sizeof(LibC.EpollEventAligned);
        var buffer = stackalloc byte[BatchSize * stride];
        while (true)
        {
            var count = LibC.EpollWait(_epoll, buffer, BatchSize, -1);
            if (count < 0)
            {
                if (Marshal.GetLastPInvokeError() == LibC.EINTR)
                {
                    continue;
                }

                Environment.FailFast(LibC.ErrnoException("epoll_wait on the TAP poller").Message);
            }

            for (var i = 0; i < count; i++)
            {
                uint events;
                ulong key;
                if (s_packedEvents)
                {
                    var entry = ((LibC.EpollEventPacked*)buffer)[i];
                    (events, key) = (entry.Events, entry.Data);
                }
                else
                {
                    var entry = ((LibC.EpollEventAligned*)buffer)[i];
                    (events, key) = (entry.Events, entry.Data);
                }

                if (_registrations.TryGetValue(key, out var readiness))
                {
                    readiness.OnEvents(events);
                }
            }
        }
    }
}
