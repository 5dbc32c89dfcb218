namespace ParaIo.Backend.Net;

/// <summary>The vNICs a vif may be bound to (<c>vnic=NAME</c>): the fabric's catalog as NetBack sees it.</summary>
public interface IVnicDirectory
{
    /// <summary>The binding of vNIC <paramref name="vnic"/>, or null when there is no such vNIC.</summary>
    VnicBinding? Find(string vnic);
}
