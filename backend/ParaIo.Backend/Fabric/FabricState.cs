namespace ParaIo.Backend.Fabric;

/// <summary>The document of <c>fabric.json</c>: everything operators made, and where the identity pools resume.</summary>
/// <param name="Vnics">Every vNIC.</param>
/// <param name="Vhbas">Every vHBA.</param>
/// <param name="Luns">Every LUN with its masking.</param>
/// <param name="Profiles">Every server profile with its binding.</param>
/// <param name="NextMac">Where the MAC pool's next search starts.</param>
/// <param name="NextWwpn">Where the WWPN pool's next search starts.</param>
internal sealed record FabricState(
    IReadOnlyList<VnicRecord> Vnics,
    IReadOnlyList<VhbaRecord> Vhbas,
    IReadOnlyList<LunRecord> Luns,
    IReadOnlyList<ProfileRecord> Profiles,
    ulong NextMac,
    ulong NextWwpn);
