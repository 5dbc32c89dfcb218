using ParaIo.Backend.Fabric;

namespace ParaIo.Daemon.Hosting;

/// <summary>One module of <see cref="FabricOptions.Modules"/>.</summary>
public sealed class FabricModuleOptions
{
    /// <summary><see cref="FabricModuleKind.Vnic"/> (Ethernet ports) or <see cref="FabricModuleKind.Vhba"/> (storage ports).</summary>
    public FabricModuleKind Kind { get; set; }

    /// <summary>Its ports, numbered from 0 in this order.</summary>
    public IList<FabricPortOptions> Ports { get; } = [];

    /// <summary>The module named <paramref name="name"/>.</summary>
    public FabricModule ToModule(string name) =>
        new(name, Kind, [.. Ports.Select((p, i) => new FabricPort(name, i, Kind, BitRate.Parse(p.LineRate, $"The line rate of port {name}/{i}"), string.IsNullOrEmpty(p.Bridge) ? null : p.Bridge))]);
}
