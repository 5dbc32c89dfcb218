using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Frontend.Devices;

/// <summary>What a frontend driver gets to set one device up.</summary>
/// <param name="Type">The device type.</param>
/// <param name="Id">The device id.</param>
/// <param name="Memory">The guest's pool of this session, with its grant table and allocators.</param>
/// <param name="BackendFeatures">The backend directory's keys, as read when it entered InitWait.</param>
public sealed record FrontendConnectContext(string Type, int Id, GuestMemory Memory, IReadOnlyDictionary<string, string> BackendFeatures);
