using System.Net.Sockets;
using ParaIo.Load.Measurement;

namespace ParaIo.Load;

/// <summary>What the parent's side of one measured run gets: the time plan, the data socket, and a token that fires when the run must stop.</summary>
internal sealed class RunContext(MeasurementWindow window, Socket data, CancellationToken cancellation)
{
    /// <summary>How long past the planned end a wait on the peer may go before it counts as hung.</summary>
    private static readonly long s_graceTicks = Clock.Ticks(TimeSpan.FromSeconds(10));

    public MeasurementWindow Window { get; } = window;

    /// <summary>The socket of the socket baselines (a blocking Unix-domain stream socket).</summary>
    public Socket Data { get; } = data;

    /// <summary>Fires on Ctrl+C, when the peer dies, or when the run overruns its time limit.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The latest moment a wait may still go on, for a run planned to end at <paramref name="end"/>.</summary>
    public static long Deadline(long end) => end + s_graceTicks;
}
