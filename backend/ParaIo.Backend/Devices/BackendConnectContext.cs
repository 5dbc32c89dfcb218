using Microsoft.Extensions.Logging;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Backend.Devices;

/// <summary>What a driver gets to connect one device.</summary>
/// <param name="Address">The device.</param>
/// <param name="Mapper">The guest's grant mapper: the driver's only way into guest memory.</param>
/// <param name="Frontend">The frontend's keys, read once into private memory.</param>
/// <param name="Logger">The device's logger.</param>
public sealed record BackendConnectContext(DeviceAddress Address, GrantMapper Mapper, FrontendKeys Frontend, ILogger Logger);
