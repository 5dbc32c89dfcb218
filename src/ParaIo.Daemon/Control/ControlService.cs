using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ParaIo.Backend.Domains;
using ParaIo.Backend.Fabric;
using ParaIo.Backend.Storage;
using ParaIo.Backend.Uplinks;
using ParaIo.Daemon.Metrics;
using ParaIo.Store.Server;

namespace ParaIo.Daemon.Control;

/// <summary>
/// The management commands <c>paraioctl</c> sends as store CONTROL messages (domain 0 only). Every
/// reply is one JSON object: <c>{"ok":true,"result":…}</c> or
/// <c>{"ok":false,"error":"ENOENT","message":"…"}</c>.
/// </summary>
public sealed partial class ControlService
{
    private readonly DomainManager _domains;
    private readonly DiskCatalog? _disks;
    private readonly BridgeUplinks? _uplinks;
    private readonly FabricRuntime? _fabric;
    private readonly Func<long, bool> _disconnect;
    private readonly ParaiodMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Creates the service over the daemon's domain manager.</summary>
    public ControlService(DomainManager domains, DiskCatalog? disks, BridgeUplinks? uplinks, FabricRuntime? fabric, Func<long, bool> disconnect, ParaiodMetrics metrics, ILogger logger)
    {
        _fabric = fabric;
        _domains = domains;
        _disks = disks;
        _uplinks = uplinks;
        _disconnect = disconnect;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Runs one command.</summary>
    public async ValueTask<string> HandleAsync(StoreConnectionInfo connection, IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var command = arguments.Count > 0 ? arguments[0] : "";
        _metrics.ControlRequests.Add(1, new KeyValuePair<string, object?>("command", command));
        try
        {
            return command switch
            {
                "domain-create" when arguments.Count >= 2 => await CreateAsync(arguments[1], [.. arguments.Skip(2)], cancellation).ConfigureAwait(false),
                "domain-list" => Ok(w => WriteDomains(w, _domains.ListDomains())),
                "domain-destroy" when arguments.Count == 2 => await DestroyAsync(arguments[1], cancellation).ConfigureAwait(false),
                "device-list" when arguments.Count <= 2 => await ListDevicesAsync(arguments.Count == 2 ? arguments[1] : null, cancellation).ConfigureAwait(false),
                "device-add" when arguments.Count == 3 => await AddDeviceAsync(arguments[1], arguments[2], cancellation).ConfigureAwait(false),
                "device-remove" when arguments.Count == 3 => await RemoveDeviceAsync(arguments[1], arguments[2], cancellation).ConfigureAwait(false),
                _ when command.StartsWith("disk-", StringComparison.Ordinal) => await DiskAsync(arguments, cancellation).ConfigureAwait(false),
                _ when command.StartsWith("bridge-", StringComparison.Ordinal) => Bridge(arguments),
                _ when IsFabricCommand(command) => await FabricAsync(arguments, cancellation).ConfigureAwait(false),
                _ => Fail("EINVAL", $"unknown or malformed command '{string.Join(' ', arguments)}'; commands: domain-create NAME [DEVICE…], domain-list, domain-destroy NAME, device-list [NAME], device-add DOMAIN TYPE[:ID][,KEY=VALUE…], device-remove DOMAIN TYPE:ID, {DiskCommands}, {BridgeCommands}, {FabricCommands}"),
            };
        }
        catch (ArgumentException e)
        {
            return Fail("EINVAL", e.Message);
        }
        catch (KeyNotFoundException e)
        {
            return Fail("ENOENT", e.Message);
        }
        catch (InvalidOperationException e)
        {
            _logger.LogWarning("Control command {Command} failed: {Reason}", command, e.Message);
            return Fail("EBUSY", e.Message);
        }
    }

    private async Task<string> CreateAsync(string name, IReadOnlyList<string> devices, CancellationToken cancellation)
    {
        CheckDisks(devices);
        var record = await _domains.CreateDomainAsync(name, devices, cancellation).ConfigureAwait(false);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("name", record.Name);
            w.WriteNumber("domid", record.DomainId);
            w.WriteString("token", record.Token);
            w.WriteStartArray("devices");
            foreach (var device in record.Devices)
            {
                w.WriteStartObject();
                w.WriteString("type", device.Type);
                w.WriteNumber("id", device.Id);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private async Task<string> DestroyAsync(string name, CancellationToken cancellation)
    {
        var record = await _domains.DestroyDomainAsync(name, _disconnect, cancellation).ConfigureAwait(false);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("name", record.Name);
            w.WriteNumber("domid", record.DomainId);
            w.WriteEndObject();
        });
    }

    private async Task<string> ListDevicesAsync(string? name, CancellationToken cancellation)
    {
        var devices = await _domains.ListDevicesAsync(name, cancellation).ConfigureAwait(false);
        return Ok(w =>
        {
            w.WriteStartArray();
            foreach (var device in devices)
            {
                w.WriteStartObject();
                w.WriteString("domain", device.Domain);
                w.WriteNumber("domid", device.DomainId);
                w.WriteString("type", device.Type);
                w.WriteNumber("id", device.Id);
                w.WriteNumber("frontendState", device.FrontendState is { } front ? (int)front : -1);
                w.WriteNumber("backendState", device.BackendState is { } back ? (int)back : -1);
                w.WriteString("frontendPath", device.FrontendPath);
                w.WriteString("backendPath", device.BackendPath);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>Hot-plug: gives a domain one more device, whether or not its guest runs.</summary>
    private async Task<string> AddDeviceAsync(string domain, string text, CancellationToken cancellation)
    {
        CheckDisks([text]);
        var device = await _domains.AddDeviceAsync(domain, DeviceSpec.Parse(text, defaultId: -1), cancellation).ConfigureAwait(false);
        return DeviceChanged(domain, device);
    }

    /// <summary>Hot-unplug: takes a device from a domain; answers once it is torn down.</summary>
    private async Task<string> RemoveDeviceAsync(string domain, string text, CancellationToken cancellation)
    {
        var named = DeviceSpec.Parse(text, defaultId: -1);
        if (named.Id < 0 || named.Settings is not null)
        {
            throw new ArgumentException($"'{text}' does not name one device: write TYPE:ID, as device-list shows it.");
        }

        var device = await _domains.RemoveDeviceAsync(domain, named.Type, named.Id, cancellation).ConfigureAwait(false);
        return DeviceChanged(domain, device);
    }

    private static string DeviceChanged(string domain, DeviceSpec device) => Ok(w =>
    {
        w.WriteStartObject();
        w.WriteString("domain", domain);
        w.WriteString("type", device.Type);
        w.WriteNumber("id", device.Id);
        w.WriteString("device", device.ToString());
        w.WriteEndObject();
    });

    private static void WriteDomains(Utf8JsonWriter w, IReadOnlyList<DomainSummary> domains)
    {
        w.WriteStartArray();
        foreach (var domain in domains)
        {
            w.WriteStartObject();
            w.WriteString("name", domain.Name);
            w.WriteNumber("domid", domain.DomainId);
            w.WriteString("state", domain.Status.ToString().ToLowerInvariant());
            w.WriteNumber("devices", domain.Devices);
            w.WriteNumber("mappedGrants", domain.MappedGrants);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static string Ok(Action<Utf8JsonWriter> result) => Write(w =>
    {
        w.WriteBoolean("ok", true);
        w.WritePropertyName("result");
        result(w);
    });

    private static string Fail(string error, string message) => Write(w =>
    {
        w.WriteBoolean("ok", false);
        w.WriteString("error", error);
        w.WriteString("message", message);
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
