using ParaIo.Load.Measurement;
using ParaIo.Load.Peers;
using ParaIo.Load.Wire;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load;

/// <summary>
/// One parent/peer pair for a whole command: the peer process, the guest memory this process
/// shares with it (handed over once, as a guest hands its pool to paraiod) and the rings of every
/// scenario. Scenarios then run one transport at a time through <see cref="Run{T}"/>.
/// </summary>
internal sealed class LoadSession : IDisposable
{
    /// <summary>This process plays guest domain 1; the peer plays the backend, domain 0.</summary>
    public const ushort GuestDomain = 1;

    /// <summary>2 MiB: the rings, 8 zero-copy buffers of 64 KiB, and the bare slots of the limits.</summary>
    private const int PoolPages = 512;

    private static readonly TimeSpan s_runSlack = TimeSpan.FromSeconds(20);

    /// <summary>Length of one measured turn of a leg.</summary>
    public static readonly TimeSpan RoundLength = TimeSpan.FromMilliseconds(500);

    private LoadSession(PeerProcess peer, GuestMemory guest, MeasurementWindow window)
    {
        Peer = peer;
        Guest = guest;
        Window = window;
        RoundTripPolling = guest.CreateQueue<LoadRequest, LoadResponse>(backendDomain: 0, pageOrder: 0);
        RoundTripBlocking = guest.CreateQueue<LoadRequest, LoadResponse>(backendDomain: 0, pageOrder: 0);
        Throughput = guest.CreateQueue<LoadRequest, LoadResponse>(backendDomain: 0, pageOrder: 4);
        ZeroCopy = guest.CreateQueue<ZeroCopyRequest, ZeroCopyResponse>(backendDomain: 0, pageOrder: 0);
        Demo = guest.CreateQueue<LoadRequest, LoadResponse>(backendDomain: 0, pageOrder: 0);
    }

    public PeerProcess Peer { get; }

    public GuestMemory Guest { get; }

    public MeasurementWindow Window { get; }

    public FrontQueue<LoadRequest, LoadResponse> RoundTripPolling { get; }

    public FrontQueue<LoadRequest, LoadResponse> RoundTripBlocking { get; }

    public FrontQueue<LoadRequest, LoadResponse> Throughput { get; }

    public FrontQueue<ZeroCopyRequest, ZeroCopyResponse> ZeroCopy { get; }

    public FrontQueue<LoadRequest, LoadResponse> Demo { get; }

    /// <summary>Starts the peer, creates the guest memory and rings, and hands them over.</summary>
    public static LoadSession Start(MeasurementWindow window, CancellationToken cancellation)
    {
        var peer = PeerProcess.Start(cancellation);
        GuestMemory? guest = null;
        try
        {
            guest = GuestMemory.Create(PoolPages, GuestDomain);
            var session = new LoadSession(peer, guest, window);
            var offers = new RingOffer[RingIndex.Count];
            offers[RingIndex.RoundTripPolling] = session.RoundTripPolling.Offer;
            offers[RingIndex.RoundTripBlocking] = session.RoundTripBlocking.Offer;
            offers[RingIndex.Throughput] = session.Throughput.Offer;
            offers[RingIndex.ZeroCopy] = session.ZeroCopy.Offer;
            offers[RingIndex.Demo] = session.Demo.Offer;
            PoolHandoff.Send(peer.Control.Socket, guest.Pool, GuestDomain, offers);
            peer.Control.Expect(PeerStatus.Ready, "pool handoff");
            ProgressLog.Write($"pool of {PoolPages} pages and {offers.Length} rings handed to peer {peer.Id}.");
            return session;
        }
        catch
        {
            guest?.Dispose();
            peer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the legs of a scenario in turns: first a warm-up of each (nothing recorded), then
    /// rounds of <see cref="RoundLength"/> in which every leg runs once, starting with a different
    /// leg each round. The scheduler's placement of the two processes (same core or not) drifts
    /// over seconds and moves a blocking round trip by a factor of ten on this kind of VM;
    /// interleaving gives every transport the same share of each placement. Returns the peer's
    /// counters of each leg, summed over all its runs.
    /// </summary>
    public PeerReply[] Interleave(string scenario, IReadOnlyList<Leg> legs)
    {
        var totals = new PeerReply[legs.Count];
        var rounds = Math.Max(1, (int)Math.Round(Window.Duration / RoundLength));
        var slice = Window.Duration / rounds;
        var names = string.Join(", ", legs.Select(l => l.Transport));
        // The scenario's setup (histograms of ~200 KB each) is garbage-free from here on; collect
        // now so that no collection falls due inside a measured round.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (Window.Warmup > TimeSpan.Zero)
        {
            ProgressLog.Write($"{scenario}: warm-up of {Window.Warmup.TotalSeconds:0.#} s each: {names} (peer {Peer.Id} consumes, this process produces)");
            for (var i = 0; i < legs.Count; i++)
            {
                totals[i] = Add(totals[i], RunLeg(legs[i], new MeasurementWindow(Window.Warmup, TimeSpan.Zero)));
            }
        }

        ProgressLog.Write($"{scenario}: measuring {rounds} rounds of {slice.TotalSeconds:0.##} s each, taking turns: {names}");
        for (var round = 0; round < rounds; round++)
        {
            for (var turn = 0; turn < legs.Count; turn++)
            {
                var i = (turn + round) % legs.Count;
                totals[i] = Add(totals[i], RunLeg(legs[i], new MeasurementWindow(TimeSpan.Zero, slice)));
            }
        }

        return totals;
    }

    /// <summary>
    /// Runs one leg once: tells the peer what to serve, waits until it is ready, runs this side,
    /// and collects the peer's reply. The run is cancelled if it overruns its plan by far.
    /// </summary>
    private PeerReply RunLeg(Leg leg, MeasurementWindow window)
    {
        var (_, reply) = Run(
            leg.Transport,
            leg.Op,
            run =>
            {
                leg.Frontend(run);
                return true;
            },
            window,
            leg.Ring,
            leg.FirstPage,
            leg.PageCount,
            leg.Argument,
            leg.Fds);
        return reply;
    }

    /// <summary>
    /// Runs one transport once over <paramref name="window"/>: tells the peer what to serve, waits
    /// until it is ready, runs this side, and collects the peer's reply.
    /// </summary>
    public (T Result, PeerReply Peer) Run<T>(string label, PeerOp op, Func<RunContext, T> frontend, MeasurementWindow window, int ring = 0, int firstPage = 0, int pageCount = 0, long argument = 0, ReadOnlySpan<int> fds = default)
    {
        var command = new PeerCommand(op, ring, firstPage, pageCount, (long)window.PeerLimit.TotalMilliseconds, argument);
        Peer.Control.Send(command, fds);
        Peer.Control.Expect(PeerStatus.Ready, label);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(Peer.Lost);
        run.CancelAfter(window.Warmup + window.Duration + s_runSlack);
        var result = frontend(new RunContext(window, Peer.Data, run.Token));
        var reply = Peer.Control.Expect(PeerStatus.Done, label);
        return (result, reply);
    }

    private static PeerReply Add(PeerReply total, PeerReply run) =>
        new(run.Status, total.Value0 + run.Value0, total.Value1 + run.Value1, total.Value2 + run.Value2);

    /// <summary>
    /// Unmaps the pool and reaps the peer. The rings are not ended one by one: the backend may still
    /// hold them mapped, and the whole region goes with the pool.
    /// </summary>
    public void Dispose()
    {
        Peer.Dispose();
        Guest.Dispose();
    }
}
