using ParaIo.Backend.Bridge;
using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Net;

/// <summary>What a vif bound to a vNIC takes from it.</summary>
/// <param name="Name">The vNIC's name.</param>
/// <param name="Mac">The vNIC's MAC: the vif's <c>mac</c> backend key.</param>
/// <param name="Bridge">The bridge the vif joins.</param>
/// <param name="Egress">
/// The vNIC's place on its VNIC-module port's shaper: every frame the guest transmits is queued
/// there and paced into the bridge; null leaves the vif's transmit path unshaped. The guest's
/// receive direction is never shaped.
/// </param>
public sealed record VnicBinding(string Name, MacAddress Mac, string Bridge, ShapedFlow? Egress);
