namespace ParaIo.Backend.Fabric;

/// <summary>A VNIC or VHBA module of the I/O fabric and its ports.</summary>
/// <param name="Name">The module's name (<c>nic0</c>).</param>
/// <param name="Kind">What it carries.</param>
/// <param name="Ports">Its ports, by index.</param>
public sealed record FabricModule(string Name, FabricModuleKind Kind, IReadOnlyList<FabricPort> Ports)
{
    /// <summary>vNICs a VNIC module carries at most, across its ports.</summary>
    public const int MaxVnics = 256;
}
