using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using ParaIo.Backend.State;

namespace ParaIo.Backend.Domains;

/// <summary>
/// The operator's domains, by name and by id, persisted to a JSON state file (written to a
/// temporary file, flushed, then renamed over the old one, so a crash leaves either the old or the
/// new file). Thread-safe.
/// </summary>
public sealed class DomainRegistry
{
    /// <summary>The highest domain id handed out; Xen reserves ids from 0x7FF0 for itself.</summary>
    public const int MaxDomainId = 0x7FEF;

    private readonly Lock _lock = new();
    private readonly string? _stateFile;
    private readonly Dictionary<string, DomainRecord> _byName = new(StringComparer.Ordinal);
    private readonly HashSet<int> _reserved = [];

    /// <summary>Opens the registry, loading <paramref name="stateFile"/> if it exists (null: in memory only).</summary>
    public DomainRegistry(string? stateFile)
    {
        _stateFile = stateFile;
        if (stateFile is not null && File.Exists(stateFile))
        {
            var state = JsonSerializer.Deserialize(File.ReadAllText(stateFile), RegistryJson.Default.RegistryState)
                ?? throw new InvalidDataException($"The state file {stateFile} is empty.");
            foreach (var domain in state.Domains)
            {
                _byName.Add(domain.Name, domain);
            }
        }
    }

    /// <summary>Every domain, by id.</summary>
    public IReadOnlyList<DomainRecord> Domains
    {
        get
        {
            lock (_lock)
            {
                return [.. _byName.Values.OrderBy(d => d.DomainId)];
            }
        }
    }

    /// <summary>Creates a domain with the lowest free id and a fresh token.</summary>
    /// <exception cref="ArgumentException">The name is taken or not a valid name.</exception>
    public DomainRecord Create(string name, IReadOnlyList<DeviceSpec> devices)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name == "dom0")
        {
            throw new ArgumentException($"'{name}' is not a domain name: 1..64 letters, digits, '-', '_' or '.', and not 'dom0'.");
        }

        if (devices.Select(d => (d.Type, d.Id)).Distinct().Count() != devices.Count)
        {
            throw new ArgumentException("A device is listed twice.");
        }

        lock (_lock)
        {
            if (_byName.ContainsKey(name))
            {
                throw new ArgumentException($"A domain named '{name}' exists already.");
            }

            var used = _byName.Values.Select(d => d.DomainId).Concat(_reserved).ToHashSet();
            var id = Enumerable.Range(1, MaxDomainId).FirstOrDefault(i => !used.Contains(i));
            if (id == 0)
            {
                throw new InvalidOperationException("Every domain id is in use.");
            }

            var record = new DomainRecord(name, id, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), devices);
            _byName.Add(name, record);
            Save();
            return record;
        }
    }

    /// <summary>Replaces a domain's devices (same name, id and token).</summary>
    /// <exception cref="KeyNotFoundException">No such domain.</exception>
    /// <exception cref="ArgumentException">A device is listed twice.</exception>
    public DomainRecord ReplaceDevices(string name, IReadOnlyList<DeviceSpec> devices)
    {
        if (devices.Select(d => (d.Type, d.Id)).Distinct().Count() != devices.Count)
        {
            throw new ArgumentException("A device is listed twice.");
        }

        lock (_lock)
        {
            var record = _byName.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no domain named '{name}'");
            record = record with { Devices = devices };
            _byName[name] = record;
            Save();
            return record;
        }
    }

    /// <summary>The domain with that name, or null.</summary>
    public DomainRecord? Find(string name)
    {
        lock (_lock)
        {
            return _byName.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// Removes a domain from the registry but keeps its id reserved until <see cref="Release"/>, so
    /// no new domain takes the id while the old one's devices are still being torn down.
    /// </summary>
    public DomainRecord? Remove(string name)
    {
        lock (_lock)
        {
            if (!_byName.Remove(name, out var record))
            {
                return null;
            }

            _reserved.Add(record.DomainId);
            Save();
            return record;
        }
    }

    /// <summary>Makes a removed domain's id available again, once its teardown has finished.</summary>
    public void Release(int domainId)
    {
        lock (_lock)
        {
            _reserved.Remove(domainId);
        }
    }

    /// <summary>Checks a guest's name and token in constant time; returns the domain or null.</summary>
    public DomainRecord? Authenticate(string name, string token)
    {
        var record = Find(name);
        if (record is null)
        {
            return null;
        }

        var expected = System.Text.Encoding.ASCII.GetBytes(record.Token);
        var offered = System.Text.Encoding.UTF8.GetBytes(token);
        return CryptographicOperations.FixedTimeEquals(expected, offered) ? record : null;
    }

    private void Save()
    {
        if (_stateFile is null)
        {
            return;
        }

        StateFile.Write(_stateFile, new RegistryState([.. _byName.Values.OrderBy(d => d.DomainId)]), RegistryJson.Default.RegistryState);
    }
}

/// <summary>The state file's document.</summary>
internal sealed record RegistryState(IReadOnlyList<DomainRecord> Domains);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RegistryState))]
internal sealed partial class RegistryJson : JsonSerializerContext;
