using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ParaIo.Load.Linux;
using ParaIo.Load.Measurement;
using ParaIo.Load.Scenarios;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Peers;

/// <summary>
/// The hidden <c>peer</c> command: the backend half of every run. Connects to the parent, takes
/// over the guest's pool, then serves one command at a time until told to quit. A watchdog ends
/// the process if the parent goes away or a command overruns its limit, so the peer can never
/// outlive the run it belongs to.
/// </summary>
internal static class PeerHost
{
    private static readonly TimeSpan s_watchdogPeriod = TimeSpan.FromMilliseconds(200);
    private static long s_commandDeadline = long.MaxValue;

    public static int Run(string socketPath, int parentId)
    {
        // Ctrl+C reaches the whole process group; the parent decides when its peer ends.
        using var ignoreInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        StartWatchdog(parentId);
        using var control = new ControlChannel(Connect(socketPath, (byte)'C'));
        using var data = Connect(socketPath, (byte)'D');
        data.ReceiveTimeout = 30_000;
        data.SendTimeout = 30_000;
        var (pool, domain, offers) = PoolHandoff.Receive(control.Socket);
        using (pool)
        {
            var peer = new PeerContext(control, data, pool, new GrantMapper(pool, localDomain: 0, domain), offers);
            control.Reply(PeerReply.Ready);
            while (control.TryReceive(out var command, out var fds))
            {
                if (command.Op == PeerOp.Quit)
                {
                    control.Reply(new PeerReply(PeerStatus.Done));
                    return 0;
                }

                try
                {
                    Volatile.Write(ref s_commandDeadline, PeerContext.Deadline(command) + Clock.Ticks(TimeSpan.FromSeconds(5)));
                    control.Reply(Serve(peer, command, fds));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Console.Error.WriteLine($"[peer] {command.Op} failed: {e}");
                    control.Reply(new PeerReply(PeerStatus.Failed));
                    return 1;
                }
                finally
                {
                    Volatile.Write(ref s_commandDeadline, long.MaxValue);
                    foreach (var fd in fds)
                    {
                        fd?.Dispose();
                    }
                }
            }
        }

        // The parent closed the control socket without a quit: nothing more to serve.
        return 0;
    }

    private static PeerReply Serve(PeerContext peer, in PeerCommand command, SafeFileHandle?[] fds)
    {
        switch (command.Op)
        {
            case PeerOp.RingRoundTripPolling:
                return RoundTripPolling.ServeRing(peer, command);
            case PeerOp.SocketRoundTrip:
                return RoundTripPolling.ServeSocket(peer, command);
            case PeerOp.LimitRoundTrip:
                return RoundTripPolling.ServeLimit(peer, command);
            case PeerOp.RingRoundTripBlocking:
                return RoundTripBlocking.ServeRing(peer, command);
            case PeerOp.EventFdRoundTrip:
                if (fds[0] is null || fds[1] is null)
                {
                    throw new InvalidDataException("The eventfd round trip came without its two descriptors.");
                }

                using (var fromParent = EventFd.Adopt(fds[0]!))
                using (var toParent = EventFd.Adopt(fds[1]!))
                {
                    return RoundTripBlocking.ServeEventFd(peer, fromParent, toParent);
                }

            case PeerOp.RingThroughput:
                return Throughput.ServeRing(peer, command);
            case PeerOp.SocketThroughput:
                return Throughput.ServeSocket(peer, command);
            case PeerOp.LimitThroughput:
                return Throughput.ServeLimit(peer, command);
            case PeerOp.RingZeroCopy:
                return ZeroCopy.ServeRing(peer, command);
            case PeerOp.SocketZeroCopy:
                return ZeroCopy.ServeSocket(peer, command);
            case PeerOp.DemoBackend:
                return Demo.DemoBackend.Serve(peer, command);
            default:
                throw new InvalidDataException($"Unknown command {command.Op}.");
        }
    }

    private static Socket Connect(string path, byte tag)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send([tag]);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Ends this process when the parent is gone (we were re-parented) or a command runs past its
    /// limit: either way nobody is left to stop us, and a blocking wait might never return.
    /// </summary>
    private static void StartWatchdog(int parentId)
    {
        var thread = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(s_watchdogPeriod);
                if (Native.GetParentProcessId() != parentId)
                {
                    Console.Error.WriteLine($"[peer] parent {parentId} is gone; exiting.");
                    Environment.Exit(3);
                }

                if (Clock.Now > Volatile.Read(ref s_commandDeadline))
                {
                    Console.Error.WriteLine("[peer] a command overran its time limit; exiting.");
                    Environment.Exit(4);
                }
            }
        })
        {
            IsBackground = true,
            Name = "peer watchdog",
        };
        thread.Start();
    }
}
