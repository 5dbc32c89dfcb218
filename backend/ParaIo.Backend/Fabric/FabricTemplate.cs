namespace ParaIo.Backend.Fabric;

/// <summary>The shape of a server profile: the vNICs and vHBAs a profile made from it gets, each given fresh identities.</summary>
/// <param name="Name">The template's name.</param>
/// <param name="Vnics">The vNICs, in order; a profile's vNICs are named <c>PROFILE-nicN</c>.</param>
/// <param name="Vhbas">The vHBAs, in order; a profile's vHBAs are named <c>PROFILE-hbaN</c>.</param>
public sealed record FabricTemplate(string Name, IReadOnlyList<VnicShape> Vnics, IReadOnlyList<VhbaShape> Vhbas)
{
    /// <summary>The template a profile is made from when none is named.</summary>
    public const string DefaultName = "default";
}
