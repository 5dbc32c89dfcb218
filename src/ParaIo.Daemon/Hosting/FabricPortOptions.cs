namespace ParaIo.Daemon.Hosting;

/// <summary>One port of a <see cref="FabricModuleOptions"/>.</summary>
public sealed class FabricPortOptions
{
    /// <summary>Its line rate in bits a second: <c>10G</c>, <c>4G</c>, <c>100M</c>.</summary>
    public string LineRate { get; set; } = "";

    /// <summary>A VNIC-module port's bridge: its vNICs' vifs join it and its uplink leaves through it.</summary>
    public string? Bridge { get; set; }
}
