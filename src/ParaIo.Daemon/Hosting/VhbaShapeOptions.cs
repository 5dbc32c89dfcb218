using ParaIo.Backend.Fabric;

namespace ParaIo.Daemon.Hosting;

/// <summary>A vHBA of a <see cref="FabricTemplateOptions"/>; rates in bits a second (<c>800M</c>).</summary>
public sealed class VhbaShapeOptions
{
    /// <summary>Its port, <c>MODULE/INDEX</c>.</summary>
    public string Port { get; set; } = "";

    /// <summary>Its committed bandwidth; <c>0</c> is best effort.</summary>
    public string Rate { get; set; } = "0";

    /// <summary>Its bandwidth limit; none when null.</summary>
    public string? Limit { get; set; }

    /// <summary>Its limit in requests a second; none when null.</summary>
    public long? Iops { get; set; }

    /// <summary>0 (highest) to 7.</summary>
    public int Priority { get; set; } = 4;

    /// <summary>The shape, for template <paramref name="template"/>.</summary>
    public VhbaShape ToShape(string template) => new(
        Port,
        new VhbaQos(
            BitRate.Parse(Rate, $"The rate of a vHBA of template '{template}'"),
            Limit is null ? null : BitRate.Parse(Limit, $"The bandwidth limit of a vHBA of template '{template}'"),
            Iops,
            Priority));
}
