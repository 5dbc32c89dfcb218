namespace ParaIo.Backend.Fabric;

/// <summary>A LUN: a disk of the <see cref="Storage.DiskCatalog"/> (image file or SAN export) and the WWPNs it is masked to.</summary>
/// <param name="Name">The LUN's name, which is its disk's name, used in <c>vbd,vhba=…,lun=NAME</c>.</param>
/// <param name="Masks">The vHBA port names that may see it; a vHBA whose WWPN is not here is refused.</param>
public sealed record LunRecord(string Name, IReadOnlyList<Wwpn> Masks)
{
    /// <summary>Whether a vHBA with <paramref name="wwpn"/> may see the LUN.</summary>
    public bool IsMaskedTo(Wwpn wwpn) => Masks.Contains(wwpn);
}
