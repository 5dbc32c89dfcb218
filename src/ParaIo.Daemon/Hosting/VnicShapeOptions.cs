using ParaIo.Backend.Fabric;

namespace ParaIo.Daemon.Hosting;

/// <summary>A vNIC of a <see cref="FabricTemplateOptions"/>; rates in bits a second (<c>100M</c>).</summary>
public sealed class VnicShapeOptions
{
    /// <summary>Its port, <c>MODULE/INDEX</c>.</summary>
    public string Port { get; set; } = "";

    /// <summary>Its committed rate; <c>0</c> is best effort.</summary>
    public string Rate { get; set; } = "0";

    /// <summary>Its ceiling; none when null.</summary>
    public string? Ceiling { get; set; }

    /// <summary>Bytes it may send at once after idling; 0 picks the port's default.</summary>
    public long Burst { get; set; }

    /// <summary>0 (highest) to 7.</summary>
    public int Priority { get; set; } = 4;

    /// <summary>Traffic classes, <c>NAME:RATE:MATCH[+MATCH…][:prio=N][:ceil=RATE]</c>.</summary>
    public IList<string> Classes { get; } = [];

    /// <summary>The shape, for template <paramref name="template"/>.</summary>
    public VnicShape ToShape(string template) => new(
        Port,
        new VnicQos(
            BitRate.Parse(Rate, $"The rate of a vNIC of template '{template}'"),
            Burst,
            Priority,
            Ceiling is null ? null : BitRate.Parse(Ceiling, $"The ceiling of a vNIC of template '{template}'"),
            [.. Classes.Select(TrafficClass.Parse)]));
}
