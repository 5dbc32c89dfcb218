using System.Net.NetworkInformation;

namespace ParaIo.Tap.Devices;

/// <summary>How <see cref="TapDevice.Open"/> creates and configures a TAP interface.</summary>
public sealed class TapOptions
{
    /// <summary>
    /// The interface name (at most 15 bytes). A name with <c>%d</c> is a template the kernel fills
    /// with the first free number; an existing multi-queue TAP's name attaches another queue.
    /// </summary>
    public string Name { get; init; } = "ptap%d";

    /// <summary>The MAC address to give the interface (SIOCSIFHWADDR); null keeps the kernel's random one.</summary>
    public PhysicalAddress? MacAddress { get; init; }

    /// <summary>The MTU to set (SIOCSIFMTU); null keeps the kernel's default of 1500.</summary>
    public int? Mtu { get; init; }

    /// <summary>Offloads to enable (TUNSETOFFLOAD). <see cref="TapOffloads.None"/> makes the kernel finish every frame.</summary>
    public TapOffloads Offloads { get; init; } = TapOffloads.None;

    /// <summary>Open with IFF_MULTI_QUEUE, so that further opens of the same name add queues.</summary>
    public bool MultiQueue { get; init; }

    /// <summary>Bring the link up (SIOCSIFFLAGS |= IFF_UP) once configured.</summary>
    public bool BringUp { get; init; } = true;

    /// <summary>
    /// The named network namespace (<c>/var/run/netns/NAME</c>, as <c>ip netns add</c> makes it) to
    /// create the interface in; null for the caller's namespace.
    /// </summary>
    public string? NetworkNamespace { get; init; }
}
