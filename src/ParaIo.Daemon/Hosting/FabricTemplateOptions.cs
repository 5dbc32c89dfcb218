using ParaIo.Backend.Fabric;

namespace ParaIo.Daemon.Hosting;

/// <summary>One template of <see cref="FabricOptions.Templates"/>: the vNICs and vHBAs a profile made from it gets.</summary>
public sealed class FabricTemplateOptions
{
    /// <summary>Its vNICs, in order.</summary>
    public IList<VnicShapeOptions> Vnics { get; } = [];

    /// <summary>Its vHBAs, in order.</summary>
    public IList<VhbaShapeOptions> Vhbas { get; } = [];

    /// <summary>The template named <paramref name="name"/>.</summary>
    public FabricTemplate ToTemplate(string name) =>
        new(name, [.. Vnics.Select(v => v.ToShape(name))], [.. Vhbas.Select(v => v.ToShape(name))]);
}
