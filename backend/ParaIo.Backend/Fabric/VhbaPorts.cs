using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// The VHBA-module ports at work: one <see cref="PortScheduler"/> a port (its line rate) with one
/// flow a vHBA (committed bandwidth, bandwidth and IOPS limits, priority), which BlkBack's requests
/// through that vHBA are admitted by. Thread-safe.
/// </summary>
public sealed class VhbaPorts : IDisposable
{
    /// <summary>
    /// Requests a vHBA may have waiting for admission. Not a working limit: BlkBack bounds what
    /// waits, at <see cref="Block.BlockBackendOptions.MaxInFlight"/> a queue of every device on the
    /// vHBA (512 a device with the defaults), and the queue's array grows only as far as that. The
    /// bound stops a runaway; a request beyond it fails instead of waiting (see docs/fabric.md).
    /// </summary>
    public const int AdmissionQueue = 1 << 20;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, PortScheduler> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QosNode> _flows = new(StringComparer.Ordinal);

    /// <summary>Creates a scheduler for each VHBA port of <paramref name="configuration"/>.</summary>
    public VhbaPorts(FabricConfiguration configuration, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var port in configuration.Ports.Where(p => p.Kind == FabricModuleKind.Vhba))
        {
            _ports.Add(port.Address, new PortScheduler(port.LineRate, timeProvider, new PortSchedulerOptions { QueueCapacity = AdmissionQueue }));
        }
    }

    /// <summary>The scheduler of the port at <paramref name="address"/>, or null.</summary>
    public PortScheduler? Port(string address)
    {
        lock (_lock)
        {
            return _ports.GetValueOrDefault(address);
        }
    }

    /// <summary>The flow of the vHBA named <paramref name="vhba"/>, or null when it has none (no such vHBA, or its port is not configured).</summary>
    public QosNode? Flow(string vhba)
    {
        lock (_lock)
        {
            return _flows.GetValueOrDefault(vhba);
        }
    }

    /// <summary>Gives a vHBA its flow on its port; a vHBA whose port is not configured gets none.</summary>
    public void Add(VhbaRecord vhba)
    {
        ArgumentNullException.ThrowIfNull(vhba);
        lock (_lock)
        {
            if (_ports.TryGetValue(vhba.Port, out var port))
            {
                _flows.Add(vhba.Name, port.AddFlow(vhba.Name, vhba.Qos.ToSettings()));
            }
        }
    }

    /// <summary>Applies a vHBA's new service level; its next request is admitted by it.</summary>
    public void Update(VhbaRecord vhba)
    {
        ArgumentNullException.ThrowIfNull(vhba);
        lock (_lock)
        {
            if (_flows.TryGetValue(vhba.Name, out var flow))
            {
                flow.Scheduler.Update(flow, vhba.Qos.ToSettings());
            }
        }
    }

    /// <summary>Takes a vHBA's flow away; requests waiting on it fail.</summary>
    public void Remove(VhbaRecord vhba)
    {
        ArgumentNullException.ThrowIfNull(vhba);
        lock (_lock)
        {
            if (_flows.Remove(vhba.Name, out var flow))
            {
                flow.Scheduler.Remove(flow);
            }
        }
    }

    /// <summary>Stops every port's scheduler; waiting requests fail.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var port in _ports.Values)
            {
                port.Dispose();
            }
        }
    }
}
