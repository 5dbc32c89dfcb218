using Microsoft.Extensions.Logging;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.Backend.Devices;

/// <summary>What a driver gets to connect one device.</summary>
/// <param name="Address">The device.</param>
/// <param name="Mapper">The guest's grant mapper: the driver's only way into guest memory.</param>
/// <param name="Frontend">The frontend's keys, read once into private memory.</param>
/// <param name="Logger">The device's logger.</param>
/// <param name="Settings">The operator's settings of the device (empty when it has none).</param>
public sealed record BackendConnectContext(DeviceAddress Address, GrantMapper Mapper, FrontendKeys Frontend, ILogger Logger, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>A context for a device without settings.</summary>
    public BackendConnectContext(DeviceAddress address, GrantMapper mapper, FrontendKeys frontend, ILogger logger)
        : this(address, mapper, frontend, logger, DeviceSettings.None)
    {
    }
}
