using ParaIo.Backend.Bridge;

namespace ParaIo.Backend.Fabric;

/// <summary>A vNIC: a virtual Ethernet adapter carved out of a VNIC-module port, with its own MAC and service level.</summary>
/// <param name="Name">The operator's name for it, used in <c>vif,vnic=NAME</c>.</param>
/// <param name="Mac">Its address: from the identity pool, or given when it was created.</param>
/// <param name="Port">Its port's address, <c>MODULE/INDEX</c>.</param>
/// <param name="Qos">Its service level.</param>
/// <param name="Profile">The server profile it belongs to; null for a vNIC of its own.</param>
public sealed record VnicRecord(
    string Name,
    MacAddress Mac,
    string Port,
    VnicQos Qos,
    string? Profile = null);
