using System.Diagnostics.Metrics;
using ParaIo.Backend.Domains;
using ParaIo.Store.Server;

namespace ParaIo.Daemon.Metrics;

/// <summary>
/// The daemon's instruments on the <c>ParaIo</c> meter, which <c>dotnet-counters</c> and the
/// Prometheus endpoint both read; the device paths add theirs to the same meter.
/// </summary>
public sealed class ParaiodMetrics : IDisposable
{
    /// <summary>The meter every ParaIo instrument belongs to.</summary>
    public const string MeterName = "ParaIo";

    private readonly Meter _meter = new(MeterName, "1.0");

    /// <summary>Creates the instruments, reading the manager and the server when observed.</summary>
    public ParaiodMetrics(Func<DomainManager?> domains, Func<StoreServer?> store)
    {
        _meter.CreateObservableGauge("paraio.domains", () => domains()?.ListDomains().Count ?? 0, "{domain}", "Domains the operator created");
        _meter.CreateObservableGauge("paraio.domains.connected", () => domains()?.ConnectedDomains ?? 0, "{domain}", "Domains whose guest is attached");
        _meter.CreateObservableGauge("paraio.devices.connected", () => domains()?.ConnectedDevices ?? 0, "{device}", "Devices whose backend is Connected");
        _meter.CreateObservableGauge("paraio.store.connections", () => store()?.Connections.Count ?? 0, "{connection}", "Open store connections");
        ControlRequests = _meter.CreateCounter<long>("paraio.control.requests", "{request}", "Management requests served");
    }

    /// <summary>Counts management (CONTROL) requests by command.</summary>
    public Counter<long> ControlRequests { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
