using ParaIo.Backend.Domains;
using ParaIo.Backend.Fabric;

namespace ParaIo.Fabric.Tests;

/// <summary>Domains as the binder sees them: records whose device lists change, or refuse to while <see cref="Running"/> says so.</summary>
internal sealed class FakeDomains
{
    private readonly Dictionary<string, DomainRecord> _domains = new(StringComparer.Ordinal);

    /// <summary>Domains whose guest is attached: their devices cannot change (no hot-plug here).</summary>
    public HashSet<string> Running { get; } = [];

    public DomainRecord this[string name] => _domains[name];

    public bool Exists(string name) => _domains.ContainsKey(name);

    public ProfileBinder Binder(FabricCatalog catalog) => new(catalog, Exists, ChangeAsync);

    public Task<DomainRecord> CreateAsync(string name, IReadOnlyList<string> devices)
    {
        var specs = new List<DeviceSpec>();
        foreach (var text in devices)
        {
            var spec = DeviceSpec.Parse(text, -1);
            specs.Add(spec with { Id = specs.Count(s => s.Type == spec.Type) });
        }

        var record = new DomainRecord(name, _domains.Count + 1, "token", specs);
        _domains.Add(name, record);
        return Task.FromResult(record);
    }

    public void Destroy(string name) => _domains.Remove(name);

    private Task<DomainRecord> ChangeAsync(string name, Func<IReadOnlyList<DeviceSpec>, IReadOnlyList<DeviceSpec>> change, CancellationToken cancellation)
    {
        var current = _domains.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no domain named '{name}'");
        if (Running.Contains(name))
        {
            throw new InvalidOperationException($"Domain '{name}' has a guest attached.");
        }

        var changed = current with { Devices = change(current.Devices) };
        _domains[name] = changed;
        return Task.FromResult(changed);
    }
}
