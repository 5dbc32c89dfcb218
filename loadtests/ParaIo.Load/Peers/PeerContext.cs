using System.Net.Sockets;
using ParaIo.Load.Measurement;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Load.Peers;

/// <summary>What the peer's side of a run gets: the sockets, the guest's pool as handed over, and the mapper that guards it.</summary>
internal sealed class PeerContext(ControlChannel control, Socket data, GrantPool pool, GrantMapper mapper, RingOffer[] offers)
{
    public ControlChannel Control { get; } = control;

    /// <summary>The socket of the socket baselines.</summary>
    public Socket Data { get; } = data;

    /// <summary>The guest's pool, attached here.</summary>
    public GrantPool Pool { get; } = pool;

    /// <summary>The only way the backend touches guest pages in the ParaIo runs.</summary>
    public GrantMapper Mapper { get; } = mapper;

    public RingOffer[] Offers { get; } = offers;

    /// <summary>The ring a command names, checked against what was handed over.</summary>
    public RingOffer Offer(in PeerCommand command) =>
        (uint)command.Ring < (uint)Offers.Length
            ? Offers[command.Ring]
            : throw new InvalidDataException($"Ring {command.Ring} was not handed over ({Offers.Length} rings).");

    /// <summary>The moment this run must be over, whatever the parent does.</summary>
    public static long Deadline(in PeerCommand command) => Clock.Now + Clock.Ticks(TimeSpan.FromMilliseconds(command.LimitMs));

    /// <summary>A spin guard bounded by the command's limit.</summary>
    public static SpinGuard Guard(in PeerCommand command, string waitingFor) => new(Deadline(command), waitingFor, CancellationToken.None);
}
