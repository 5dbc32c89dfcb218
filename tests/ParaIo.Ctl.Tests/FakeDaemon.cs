using System.Globalization;
using System.Text.Json;
using ParaIo.Store.Server;
using ParaIo.Store.Tree;

namespace ParaIo.Ctl.Tests;

/// <summary>
/// paraiod's control handler as its contract describes it, over a real store tree: domains get
/// ids from 1, a hex token and device nodes whose <c>state</c> the tests may change.
/// </summary>
internal sealed class FakeDaemon
{
    private readonly StoreTree _tree;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Domain> _domains = new(StringComparer.Ordinal);
    private ushort _nextDomid = 1;

    public FakeDaemon(StoreTree tree)
    {
        _tree = tree;
    }

    /// <summary>Every command received, for tests that check what paraioctl sent.</summary>
    public List<string[]> Received { get; } = [];

    public string TokenOf(string name)
    {
        lock (_gate)
        {
            return _domains[name].Token;
        }
    }

    public ValueTask<string> HandleAsync(StoreConnectionInfo connection, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Received.Add([.. arguments]);
            return ValueTask.FromResult(arguments[0] switch
            {
                "domain-create" when arguments.Count >= 2 => Create(arguments[1], arguments.Skip(2)),
                "domain-list" => Ok(_domains.Values.Select(d => new { name = d.Name, domid = d.Domid, state = "created", devices = d.Devices.Count })),
                "domain-destroy" when arguments.Count == 2 => Destroy(arguments[1]),
                "device-list" => DeviceList(arguments.Count > 1 ? arguments[1] : null),
                _ => Refuse("EINVAL", $"unknown command '{arguments[0]}'"),
            });
        }
    }

    private string Create(string name, IEnumerable<string> specs)
    {
        if (_domains.ContainsKey(name))
        {
            return Refuse("EEXIST", $"a domain named '{name}' exists");
        }

        var domain = new Domain(name, _nextDomid++, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()));
        foreach (var spec in specs)
        {
            var parts = spec.Split(':');
            var id = parts.Length == 2
                ? int.Parse(parts[1], CultureInfo.InvariantCulture)
                : domain.Devices.Where(d => d.Type == parts[0]).Select(d => d.Id + 1).DefaultIfEmpty(0).Max();
            var device = new Device(parts[0], id);
            domain.Devices.Add(device);
            _tree.Write(0, FrontendPath(domain, device) + "/state", "1");
            _tree.Write(0, BackendPath(domain, device) + "/state", "2");
        }

        _domains.Add(name, domain);
        return Ok(new { name, domid = domain.Domid, token = domain.Token, devices = domain.Devices.Select(d => new { type = d.Type, id = d.Id }) });
    }

    private string Destroy(string name)
    {
        if (!_domains.Remove(name, out var domain))
        {
            return Refuse("ENOENT", $"no domain named '{name}'");
        }

        return Ok(new { name, domid = domain.Domid });
    }

    private string DeviceList(string? name)
    {
        if (name is not null && !_domains.ContainsKey(name))
        {
            return Refuse("ENOENT", $"no domain named '{name}'");
        }

        var devices = _domains.Values
            .Where(d => name is null || d.Name == name)
            .SelectMany(d => d.Devices.Select(device => new
            {
                domain = d.Name,
                domid = d.Domid,
                type = device.Type,
                id = device.Id,
                frontendState = State(FrontendPath(d, device)),
                backendState = State(BackendPath(d, device)),
                frontendPath = FrontendPath(d, device),
                backendPath = BackendPath(d, device),
            }));
        return Ok(devices);
    }

    private int State(string devicePath)
    {
        try
        {
            return int.Parse(_tree.ReadString(0, devicePath + "/state"), CultureInfo.InvariantCulture);
        }
        catch (ParaIo.Store.StoreException)
        {
            return -1;
        }
    }

    private static string FrontendPath(Domain domain, Device device) =>
        string.Create(CultureInfo.InvariantCulture, $"/local/domain/{domain.Domid}/device/{device.Type}/{device.Id}");

    private static string BackendPath(Domain domain, Device device) =>
        string.Create(CultureInfo.InvariantCulture, $"/local/domain/0/backend/{device.Type}/{domain.Domid}/{device.Id}");

    private static string Ok<T>(T result) => JsonSerializer.Serialize(new { ok = true, result });

    private static string Refuse(string error, string message) => JsonSerializer.Serialize(new { ok = false, error, message });

    private sealed record Domain(string Name, ushort Domid, string Token)
    {
        public List<Device> Devices { get; } = [];
    }

    private sealed record Device(string Type, int Id);
}
