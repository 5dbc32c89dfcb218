namespace ParaIo.Backend.Fabric;

/// <summary>
/// A server profile: a guest's I/O identity — its vNICs and vHBAs with their MACs, WWPNs, service
/// levels and classes, and through the WWPNs its LUN masking — made from a template and bound to
/// at most one domain at a time. Unbinding and binding elsewhere keeps every identity.
/// </summary>
/// <param name="Name">The profile's name.</param>
/// <param name="Template">The template it was made from.</param>
/// <param name="Vnics">Its vNICs' names, in the template's order.</param>
/// <param name="Vhbas">Its vHBAs' names, in the template's order.</param>
/// <param name="Domain">The domain it is bound to; null when unbound.</param>
public sealed record ProfileRecord(string Name, string Template, IReadOnlyList<string> Vnics, IReadOnlyList<string> Vhbas, string? Domain = null);
