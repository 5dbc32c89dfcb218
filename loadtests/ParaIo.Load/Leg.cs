using ParaIo.Load.Peers;

namespace ParaIo.Load;

/// <summary>
/// One transport of a scenario: what the peer serves (<see cref="Op"/> and its arguments) and what
/// this process runs against it. A scenario's legs take turns, round after round.
/// </summary>
/// <param name="Transport">"paraio", "socket", "eventfd" or "limit".</param>
/// <param name="Op">The peer's half.</param>
/// <param name="Frontend">This process's half; it records only from the window's measure start.</param>
internal sealed record Leg(string Transport, PeerOp Op, Action<RunContext> Frontend)
{
    public int Ring { get; init; }

    public int FirstPage { get; init; }

    public int PageCount { get; init; }

    public long Argument { get; init; }

    /// <summary>Descriptors sent with every command of this leg (the peer closes its copies after each round).</summary>
    public int[] Fds { get; init; } = [];
}
