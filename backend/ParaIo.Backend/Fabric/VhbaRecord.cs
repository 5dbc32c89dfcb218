namespace ParaIo.Backend.Fabric;

/// <summary>A vHBA: a virtual host bus adapter on a VHBA-module port, with its own WWPN; it sees only the LUNs masked to that WWPN.</summary>
/// <param name="Name">The operator's name for it, used in <c>vbd,vhba=NAME,lun=LUN</c>.</param>
/// <param name="Wwpn">Its port name: from the identity pool, or given when it was created.</param>
/// <param name="Port">Its port's address, <c>MODULE/INDEX</c>.</param>
/// <param name="Qos">Its service level.</param>
/// <param name="Profile">The server profile it belongs to; null for a vHBA of its own.</param>
public sealed record VhbaRecord(
    string Name,
    Wwpn Wwpn,
    string Port,
    VhbaQos Qos,
    string? Profile = null);
