using ParaIo.Backend.Net;
using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// The VNIC-module ports at work: one <see cref="EgressShaper"/> a port (its line rate) with one
/// <see cref="ShapedFlow"/> a vNIC (its service level and traffic classes), and the directory
/// NetBack binds <c>vif,vnic=NAME</c> through: the vNIC's MAC, its port's bridge and its flow.
/// Thread-safe.
/// </summary>
public sealed class VnicPorts : IVnicDirectory, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (FabricPort Port, EgressShaper Shaper)> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VnicBinding> _vnics = new(StringComparer.Ordinal);

    /// <summary>Creates a shaper (and its sender thread) for each VNIC port of <paramref name="configuration"/>.</summary>
    public VnicPorts(FabricConfiguration configuration, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var port in configuration.Ports.Where(p => p.Kind == FabricModuleKind.Vnic))
        {
            _ports.Add(port.Address, (port, new EgressShaper(port.Address, port.LineRate, timeProvider)));
        }
    }

    /// <inheritdoc />
    public VnicBinding? Find(string vnic)
    {
        lock (_lock)
        {
            return _vnics.GetValueOrDefault(vnic);
        }
    }

    /// <summary>The shaper of the port at <paramref name="address"/>, or null.</summary>
    public EgressShaper? Shaper(string address)
    {
        lock (_lock)
        {
            return _ports.TryGetValue(address, out var port) ? port.Shaper : null;
        }
    }

    /// <summary>Gives a vNIC its flow on its port; a vNIC whose port is not configured is not in the directory (its vif is refused).</summary>
    public void Add(VnicRecord vnic)
    {
        ArgumentNullException.ThrowIfNull(vnic);
        lock (_lock)
        {
            if (_ports.TryGetValue(vnic.Port, out var port))
            {
                var flow = port.Shaper.AddFlow(vnic.Name, vnic.Qos.ToSettings(), Classes(vnic.Qos));
                _vnics.Add(vnic.Name, new VnicBinding(vnic.Name, vnic.Mac, port.Port.Bridge!, flow));
            }
        }
    }

    /// <summary>Applies a vNIC's new service level and classes; the port's next decision uses them.</summary>
    public void Update(VnicRecord vnic)
    {
        ArgumentNullException.ThrowIfNull(vnic);
        lock (_lock)
        {
            if (_vnics.TryGetValue(vnic.Name, out var binding) && binding.Egress is { } flow)
            {
                flow.Shaper.Update(flow, vnic.Qos.ToSettings(), Classes(vnic.Qos));
            }
        }
    }

    /// <summary>Takes a vNIC's flow away; what it had queued is dropped and counted.</summary>
    public void Remove(VnicRecord vnic)
    {
        ArgumentNullException.ThrowIfNull(vnic);
        lock (_lock)
        {
            if (_vnics.Remove(vnic.Name, out var binding) && binding.Egress is { } flow)
            {
                flow.Shaper.Remove(flow);
            }
        }
    }

    /// <summary>Stops every port's sender thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (_, shaper) in _ports.Values)
            {
                shaper.Dispose();
            }
        }
    }

    /// <summary>The shaper's view of a vNIC's classes: each class's port matches as rules of that class.</summary>
    private static List<TrafficClassSpec> Classes(VnicQos qos) =>
        [.. qos.Classes.Select((c, i) => new TrafficClassSpec(c.Name, c.CommittedRate, c.Ceiling, c.Priority, [.. c.Matches.Select(m => new TrafficClassRule(m.FirstPort, m.LastPort, m.Protocols, i))]))];
}
