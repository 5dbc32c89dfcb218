using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Domains;

/// <summary>One device as <c>paraioctl device list</c> shows it; a state is null when that end has published none.</summary>
public sealed record DeviceSummary(string Domain, int DomainId, string Type, int Id, XenbusState? FrontendState, XenbusState? BackendState, string FrontendPath, string BackendPath);

/// <summary>One domain as <c>paraioctl domain list</c> shows it.</summary>
public sealed record DomainSummary(string Name, int DomainId, DomainStatus Status, int Devices, int MappedGrants);
