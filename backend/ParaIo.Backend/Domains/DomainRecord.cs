namespace ParaIo.Backend.Domains;

/// <summary>A guest domain as the operator created it; persisted so a restarted daemon brings it back.</summary>
/// <param name="Name">The operator's name for it.</param>
/// <param name="DomainId">Its domain id (1..).</param>
/// <param name="Token">The secret its guest presents to connect, hex.</param>
/// <param name="Devices">Its devices.</param>
public sealed record DomainRecord(string Name, int DomainId, string Token, IReadOnlyList<DeviceSpec> Devices);
