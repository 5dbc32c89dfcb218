using System.Globalization;

namespace ParaIo.Backend.Fabric;

/// <summary>One port of a fabric module: a line rate shared by the vNICs or vHBAs on it.</summary>
/// <param name="Module">The module's name.</param>
/// <param name="Index">The port's number in its module, from 0.</param>
/// <param name="Kind">What the module carries.</param>
/// <param name="LineRate">The port's capacity in bytes a second.</param>
/// <param name="Bridge">The bridge a VNIC-module port's uplink leaves through; null for a VHBA-module port.</param>
public sealed record FabricPort(string Module, int Index, FabricModuleKind Kind, long LineRate, string? Bridge)
{
    /// <summary>The port as operators name it: <c>MODULE/INDEX</c>, for example <c>nic0/0</c>.</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"{Module}/{Index}");

    /// <inheritdoc />
    public override string ToString() => Address;
}
