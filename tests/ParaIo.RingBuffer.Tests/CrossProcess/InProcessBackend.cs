using System.Net.Sockets;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Peer;

namespace ParaIo.RingBuffer.Tests.CrossProcess;

/// <summary>
/// This test process as the backend of a peer frontend: receives its handoff, maps its queue and
/// serves it on a thread of its own. Anything that escapes the serving loop is kept for the test
/// to assert on; <see cref="Stop"/> proves the loop can still be stopped (it did not hang).
/// </summary>
internal sealed class InProcessBackend : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly GrantPool _pool;

    public InProcessBackend(Socket connection, TimeSpan spin, bool poll = false, Action<BackQueue<EchoRequest, EchoResponse>, CancellationToken>? serve = null)
    {
        var (pool, domain, offers) = PoolHandoff.Receive(connection);
        _pool = pool;
        Domain = domain;
        Mapper = new GrantMapper(pool, localDomain: 0, guestDomain: domain);
        Queue = BackQueue<EchoRequest, EchoResponse>.Connect(Mapper, offers[0]);
        connection.Send([1]); // "connected": a hostile peer starts its attack on this
        Echo = new EchoBackend(Queue, spin, poll);
        _thread = new Thread(() =>
        {
            try
            {
                if (serve is null)
                {
                    Echo.Run(_stop.Token);
                }
                else
                {
                    serve(Queue, _stop.Token);
                }
            }
            catch (Exception e)
            {
                Escaped = e;
            }
        }) { IsBackground = true, Name = $"backend dom{domain}" };
        _thread.Start();
    }

    public ushort Domain { get; }

    public GrantMapper Mapper { get; }

    public BackQueue<EchoRequest, EchoResponse> Queue { get; }

    public EchoBackend Echo { get; }

    /// <summary>An exception that escaped the serving loop: always a defect.</summary>
    public Exception? Escaped { get; private set; }

    /// <summary>True once the serving loop returned by itself (a fault stops it).</summary>
    public bool HasStopped => !_thread.IsAlive;

    /// <summary>Stops the loop; false if it did not return within the timeout (a hang).</summary>
    public bool Stop(TimeSpan timeout)
    {
        _stop.Cancel();
        Queue.Requests.Interrupt();
        return _thread.Join(timeout);
    }

    /// <summary>Waits until the loop stops by itself; false on timeout.</summary>
    public bool WaitForStop(TimeSpan timeout) => _thread.Join(timeout);

    public void Dispose()
    {
        if (Stop(TimeSpan.FromSeconds(5)))
        {
            Queue.Dispose();
            _pool.Dispose();
        }

        _stop.Dispose();
    }
}
