using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Net;
using ParaIo.Frontend.Devices;
using ParaIo.Frontend.Net;
using ParaIo.Load.Linux;
using ParaIo.Load.Measurement;
using ParaIo.Load.Reporting;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Network;

/// <summary>
/// The network path with nothing around it: two guests' NetFront devices and the NetBack devices
/// serving them on one software bridge, all in this process, each guest with its own pool that
/// the backend maps through its own descriptor of the pool's memfd (as paraiod does). No TAP, no
/// kernel: guest 1 sends 64-byte frames to guest 2 as fast as it can, built in place in its
/// granted pages, and guest 2's receiver counts them in place (as tests/ParaIo.Net.Tests'
/// FrameRateBench does).
/// </summary>
internal static class NetLibraryMode
{
    public const int FrameBytes = 64;

    public const string Description =
        "guest 1's NetFront → tx ring and grants → NetBack → software bridge → NetBack's copy into guest 2's posted buffers → guest 2's NetFront, "
        + "in this process, no TAP; 64-byte frames, one publish a frame; counted when guest 2's receiver gets them (drops are not counted)";

    private const int PoolPages = 2048;
    private const int GrantEntries = 4096;
    private const byte Stamp = 0x5A;

    /// <summary>Sends for <paramref name="ramp"/> (not counted), then measures <paramref name="duration"/>.</summary>
    public static FrameFigures Run(TimeSpan ramp, TimeSpan duration, int burst, CancellationToken cancellation)
    {
        var bridges = new BridgeTable();
        var backend = new NetBackendDriver(bridges);
        using var one = new Guest(1, backend, receiver: null);
        long received = 0;
        long corrupt = 0;
        using var two = new Guest(2, backend, frame =>
        {
            // In place, as a guest's stack would read it; one byte checked so a path moving no data shows.
            if (frame.Length != FrameBytes || frame.GetSegment(0)[FrameBytes - 1] != Stamp)
            {
                corrupt++;
            }

            Volatile.Write(ref received, received + 1); // one writer: guest 2's queue thread
        });

        // Guest 2 announces itself, so the run is unicast to a learned port, not flooding.
        two.Front.Send(Frame(MacAddress.Broadcast, two.Mac), default, cancellation);
        var bridge = bridges.GetOrCreate(VifSettings.DefaultBridge);
        var learn = Stopwatch.StartNew();
        while (bridge.AddressCount == 0)
        {
            if (learn.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new TimeoutException("library mode: the bridge did not learn guest 2's address.");
            }

            Thread.Sleep(1);
        }

        var template = Frame(two.Mac, one.Mac);
        var total = Send(one.Front, template, Clock.Now + Clock.Ticks(ramp), burst, cancellation);
        var before = Volatile.Read(ref received);
        var dropsBefore = two.Back.Counters.RxDroppedTotal;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Clock.Now;
        var sent = Send(one.Front, template, started + Clock.Ticks(duration), burst, cancellation);
        var delivered = Volatile.Read(ref received) - before; // read when the sender stops: the window only
        var seconds = Clock.Seconds(Clock.Now - started);
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / seconds;
        var dropped = two.Back.Counters.RxDroppedTotal - dropsBefore;
        cancellation.ThrowIfCancellationRequested();

        // A path that lost or invented frames would look fast too: after a drain, every frame sent
        // was received or counted as dropped, and every received one carried the stamp.
        total += sent;
        var drain = Stopwatch.StartNew();
        while (Volatile.Read(ref received) + two.Back.Counters.RxDroppedTotal < total && drain.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(1);
        }

        var accounted = Volatile.Read(ref received) + two.Back.Counters.RxDroppedTotal;
        if (accounted != total || corrupt != 0 || one.Back.Counters.MalformedTotal != 0)
        {
            throw new InvalidDataException($"library mode: {total} frames sent, {Volatile.Read(ref received)} received + {two.Back.Counters.RxDroppedTotal} dropped; {corrupt} corrupt, {one.Back.Counters.MalformedTotal} malformed.");
        }

        return new FrameFigures(delivered / seconds, sent / seconds, delivered, dropped, sent, seconds, cores, FrameBytes, burst);
    }

    private static long Send(NetFrontDevice device, byte[] template, long until, int burst, CancellationToken cancellation)
    {
        long sent = 0;
        while (Clock.Now < until && !cancellation.IsCancellationRequested)
        {
            for (var i = 0; i < 256; i++)
            {
                var frame = device.BeginSend(FrameBytes, cancellation);
                template.CopyTo(frame.GetSegment(0)); // built in the granted page, as a guest's stack would
                frame.Send(default, more: (i % burst) != burst - 1);
            }

            sent += 256;
        }

        return sent;
    }

    private static byte[] Frame(MacAddress destination, MacAddress source)
    {
        var frame = new byte[FrameBytes];
        destination.Write(frame);
        source.Write(frame.AsSpan(6));
        frame[12] = 0x88; // a local experimental EtherType: no stack on the path looks inside
        frame[13] = 0xB5;
        frame[FrameBytes - 1] = Stamp;
        return frame;
    }

    /// <summary>One guest: its pool, the backend's view of it, its NetFront and the NetBack serving it.</summary>
    private sealed class Guest : IDisposable
    {
        private readonly GuestMemory _memory;
        private readonly GrantPool _backendPool;
        private readonly GrantMapper _mapper;

        public Guest(ushort domain, NetBackendDriver backend, Action<NetReceivedFrame>? receiver)
        {
            _memory = GuestMemory.Create(PoolPages, domain, GrantEntries);
            try
            {
                _backendPool = GrantPool.Attach(Duplicate(_memory.Pool.FileDescriptor));
                _mapper = new GrantMapper(_backendPool, localDomain: 0, guestDomain: domain);
                var address = new DeviceAddress(domain, NetifProtocol.DeviceType, 0);
                var driver = new NetFrontendDriver(new NetFrontendOptions { Receiver = receiver });
                Front = driver.ConnectNet(new FrontendConnectContext(NetifProtocol.DeviceType, 0, _memory, backend.BackendKeys(address, DeviceSettings.None)));
                Back = backend.Connect(new BackendConnectContext(address, _mapper, new FrontendKeys(Front.PublishedKeys), NullLogger.Instance, DeviceSettings.None));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public NetFrontDevice Front { get; } = null!;

        public NetBackendDevice Back { get; } = null!;

        public MacAddress Mac => Back.Settings.Mac;

        /// <summary>The backend first (it unmaps), then the frontend ends its grants.</summary>
        public void Dispose()
        {
            Back?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Front?.Dispose();
            _mapper?.UnmapAll();
            _backendPool?.Dispose();
            _memory.Dispose();
        }
    }

    private static SafeFileHandle Duplicate(SafeFileHandle fd)
    {
        var copy = Native.Dup((int)fd.DangerousGetHandle());
        return copy >= 0 ? new SafeFileHandle(copy, ownsHandle: true) : throw Native.ErrnoException("dup");
    }
}
