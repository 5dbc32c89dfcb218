namespace ParaIo.Backend.Fabric;

/// <summary>A vNIC of a <see cref="FabricTemplate"/>: where it goes and its service level, without an identity.</summary>
/// <param name="Port">The port, <c>MODULE/INDEX</c>.</param>
/// <param name="Qos">Its service level.</param>
public sealed record VnicShape(string Port, VnicQos Qos);
