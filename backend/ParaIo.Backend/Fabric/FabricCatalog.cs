using System.Text.Json;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.State;
using ParaIo.Backend.Storage;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// The operator's I/O fabric: vNICs and vHBAs on the configured modules' ports, LUNs and their
/// masking, server profiles, and the identity pools, persisted in <c>fabric.json</c> beside
/// <c>disks.json</c> and brought back at start. Every change is checked whole (names, identities,
/// the port's line rate, 256 vNICs a module) before it is made, then saved, then handed to the
/// <see cref="IFabricDataPath"/>. Thread-safe.
/// </summary>
public sealed partial class FabricCatalog
{
    private readonly Lock _lock = new();
    private readonly string _stateFile;
    private readonly DiskCatalog _disks;
    private readonly IdentityPool _macs;
    private readonly IdentityPool _wwpns;
    private readonly Dictionary<string, VnicRecord> _vnics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VhbaRecord> _vhbas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LunRecord> _luns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProfileRecord> _profiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _binding = new(StringComparer.Ordinal); // profiles whose domain is being changed or made now
    private IFabricDataPath? _dataPath;

    /// <summary>Opens the fabric kept in <paramref name="stateDirectory"/> (<c>fabric.json</c>) over <paramref name="configuration"/>'s modules.</summary>
    /// <exception cref="ArgumentException">The configuration is inconsistent.</exception>
    /// <exception cref="InvalidDataException">The state file is unreadable.</exception>
    public FabricCatalog(string stateDirectory, FabricConfiguration configuration, DiskCatalog disks)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        Configuration = configuration;
        _disks = disks;
        _stateFile = Path.Combine(stateDirectory, "fabric.json");
        _macs = configuration.Identities.CreateMacPool();
        _wwpns = configuration.Identities.CreateWwpnPool();
        if (File.Exists(_stateFile))
        {
            FabricState state;
            try
            {
                state = JsonSerializer.Deserialize(File.ReadAllText(_stateFile), FabricJson.Default.FabricState)
                    ?? throw new InvalidDataException($"The state file {_stateFile} is empty.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"The state file {_stateFile} is not a fabric: {e.Message}", e);
            }

            Load(_vnics, state.Vnics, v => v.Name);
            Load(_vhbas, state.Vhbas, v => v.Name);
            Load(_luns, state.Luns, l => l.Name);
            Load(_profiles, state.Profiles, p => p.Name);
            _macs.Next = state.NextMac;
            _wwpns.Next = state.NextWwpn;
        }
    }

    /// <summary>The modules, identity pools and templates from paraiod's configuration.</summary>
    public FabricConfiguration Configuration { get; }

    /// <summary>Every vNIC, by name.</summary>
    public IReadOnlyList<VnicRecord> Vnics => Read(() => Sorted(_vnics));

    /// <summary>Every vHBA, by name.</summary>
    public IReadOnlyList<VhbaRecord> Vhbas => Read(() => Sorted(_vhbas));

    /// <summary>
    /// Connects the data path: it is told of every vNIC and vHBA there is now, then of every
    /// change. Once, at start.
    /// </summary>
    public void AttachDataPath(IFabricDataPath dataPath)
    {
        ArgumentNullException.ThrowIfNull(dataPath);
        lock (_lock)
        {
            if (_dataPath is not null)
            {
                throw new InvalidOperationException("The fabric has a data path already.");
            }

            _dataPath = dataPath;
            foreach (var vnic in Sorted(_vnics))
            {
                dataPath.VnicAdded(vnic);
            }

            foreach (var vhba in Sorted(_vhbas))
            {
                dataPath.VhbaAdded(vhba);
            }
        }
    }

    /// <summary>The vNIC named <paramref name="name"/>, or null.</summary>
    public VnicRecord? FindVnic(string name) => Read(() => _vnics.GetValueOrDefault(name));

    /// <summary>The vHBA named <paramref name="name"/>, or null.</summary>
    public VhbaRecord? FindVhba(string name) => Read(() => _vhbas.GetValueOrDefault(name));

    /// <summary>
    /// Makes a vNIC on <paramref name="port"/> with <paramref name="mac"/>, or the next MAC of the
    /// pool when null.
    /// </summary>
    /// <exception cref="ArgumentException">A bad or taken name, a bad or taken MAC, a bad service level, commitments over the line rate, or a full module.</exception>
    /// <exception cref="KeyNotFoundException">No such port.</exception>
    public VnicRecord CreateVnic(string name, string port, VnicQos qos, MacAddress? mac = null)
    {
        lock (_lock)
        {
            var vnic = AddVnicLocked(name, port, qos, mac, profile: null);
            Save();
            _dataPath?.VnicAdded(vnic);
            return vnic;
        }
    }

    /// <summary>Changes a vNIC's service level and classes; its port schedules by the new ones at once.</summary>
    /// <exception cref="KeyNotFoundException">No such vNIC.</exception>
    /// <exception cref="ArgumentException">A bad service level, or commitments over the line rate.</exception>
    public VnicRecord ChangeVnic(string name, Func<VnicQos, VnicQos> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            var current = _vnics.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no vNIC named '{name}'");
            var qos = change(current.Qos);
            qos.Validate(name);
            var port = Configuration.FindPort(current.Port, FabricModuleKind.Vnic);
            CheckCommitment(port, name, qos.CommittedRate);
            var changed = current with { Qos = qos };
            _vnics[name] = changed;
            Save();
            _dataPath?.VnicChanged(changed);
            return changed;
        }
    }

    /// <summary>Deletes a vNIC of its own; a profile's vNICs go with their profile. The caller checks that no domain uses it.</summary>
    /// <exception cref="KeyNotFoundException">No such vNIC.</exception>
    /// <exception cref="InvalidOperationException">It belongs to a profile.</exception>
    public VnicRecord DeleteVnic(string name)
    {
        lock (_lock)
        {
            var vnic = _vnics.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no vNIC named '{name}'");
            if (vnic.Profile is not null)
            {
                throw new InvalidOperationException($"vNIC '{name}' belongs to profile '{vnic.Profile}'; delete the profile instead.");
            }

            _vnics.Remove(name);
            Save();
            _dataPath?.VnicRemoved(vnic);
            return vnic;
        }
    }

    /// <summary>Makes a vHBA on <paramref name="port"/> with <paramref name="wwpn"/>, or the next WWPN of the pool when null.</summary>
    /// <exception cref="ArgumentException">A bad or taken name, a taken WWPN, a bad service level, or commitments over the line rate.</exception>
    /// <exception cref="KeyNotFoundException">No such port.</exception>
    public VhbaRecord CreateVhba(string name, string port, VhbaQos qos, Wwpn? wwpn = null)
    {
        lock (_lock)
        {
            var vhba = AddVhbaLocked(name, port, qos, wwpn, profile: null);
            Save();
            _dataPath?.VhbaAdded(vhba);
            return vhba;
        }
    }

    /// <summary>Changes a vHBA's service level; its port schedules by the new one at once.</summary>
    /// <exception cref="KeyNotFoundException">No such vHBA.</exception>
    /// <exception cref="ArgumentException">A bad service level, or commitments over the line rate.</exception>
    public VhbaRecord ChangeVhba(string name, Func<VhbaQos, VhbaQos> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            var current = _vhbas.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no vHBA named '{name}'");
            var qos = change(current.Qos);
            qos.Validate(name);
            CheckCommitment(Configuration.FindPort(current.Port, FabricModuleKind.Vhba), name, qos.CommittedRate);
            var changed = current with { Qos = qos };
            _vhbas[name] = changed;
            Save();
            _dataPath?.VhbaChanged(changed);
            return changed;
        }
    }

    /// <summary>
    /// Deletes a vHBA of its own and unmasks its WWPN from every LUN, so that an adapter given the
    /// same WWPN later sees nothing it was not given. The caller checks that no domain uses it.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such vHBA.</exception>
    /// <exception cref="InvalidOperationException">It belongs to a profile.</exception>
    public VhbaRecord DeleteVhba(string name)
    {
        lock (_lock)
        {
            var vhba = _vhbas.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no vHBA named '{name}'");
            if (vhba.Profile is not null)
            {
                throw new InvalidOperationException($"vHBA '{name}' belongs to profile '{vhba.Profile}'; delete the profile instead.");
            }

            _vhbas.Remove(name);
            UnmaskLocked(new HashSet<Wwpn> { vhba.Wwpn });
            Save();
            _dataPath?.VhbaRemoved(vhba);
            return vhba;
        }
    }

    /// <summary>What is committed on <paramref name="port"/> and how many vNICs or vHBAs share it.</summary>
    public (long Committed, int Count) Usage(FabricPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        lock (_lock)
        {
            var rates = port.Kind == FabricModuleKind.Vnic
                ? _vnics.Values.Where(v => v.Port == port.Address).Select(v => v.Qos.CommittedRate)
                : _vhbas.Values.Where(v => v.Port == port.Address).Select(v => v.Qos.CommittedRate);
            var list = rates.ToList();
            return (list.Sum(), list.Count);
        }
    }

    private VnicRecord AddVnicLocked(string name, string portAddress, VnicQos qos, MacAddress? requested, string? profile)
    {
        FabricNames.Check(name, "vNIC");
        if (_vnics.ContainsKey(name))
        {
            throw new ArgumentException($"A vNIC named '{name}' exists already.");
        }

        qos.Validate(name);
        var port = Configuration.FindPort(portAddress, FabricModuleKind.Vnic);
        var onModule = _vnics.Values.Count(v => v.Port.StartsWith(port.Module + "/", StringComparison.Ordinal));
        if (onModule >= FabricModule.MaxVnics)
        {
            throw new ArgumentException($"VNIC module '{port.Module}' carries {onModule} vNICs already, the most a module carries ({FabricModule.MaxVnics}).");
        }

        CheckCommitment(port, name, qos.CommittedRate);
        MacAddress mac;
        if (requested is { } given)
        {
            if (given.IsMulticast || given.Value == 0)
            {
                throw new ArgumentException($"{given} is not a unicast MAC address.");
            }

            if (_vnics.Values.FirstOrDefault(v => v.Mac == given) is { } holder)
            {
                throw new ArgumentException($"MAC {given} is vNIC '{holder.Name}''s already.");
            }

            mac = given;
        }
        else
        {
            var taken = _vnics.Values.Select(v => v.Mac.Value).ToHashSet();
            mac = new MacAddress(_macs.Allocate(taken.Contains));
        }

        var vnic = new VnicRecord(name, mac, port.Address, qos, profile);
        _vnics.Add(name, vnic);
        return vnic;
    }

    private VhbaRecord AddVhbaLocked(string name, string portAddress, VhbaQos qos, Wwpn? requested, string? profile)
    {
        FabricNames.Check(name, "vHBA");
        if (_vhbas.ContainsKey(name))
        {
            throw new ArgumentException($"A vHBA named '{name}' exists already.");
        }

        qos.Validate(name);
        var port = Configuration.FindPort(portAddress, FabricModuleKind.Vhba);
        CheckCommitment(port, name, qos.CommittedRate);
        Wwpn wwpn;
        if (requested is { } given)
        {
            if (_vhbas.Values.FirstOrDefault(v => v.Wwpn == given) is { } holder)
            {
                throw new ArgumentException($"WWPN {given} is vHBA '{holder.Name}''s already.");
            }

            wwpn = given;
        }
        else
        {
            var taken = _vhbas.Values.Select(v => v.Wwpn.Value).ToHashSet();
            wwpn = new Wwpn(_wwpns.Allocate(taken.Contains));
        }

        var vhba = new VhbaRecord(name, wwpn, port.Address, qos, profile);
        _vhbas.Add(name, vhba);
        return vhba;
    }

    /// <summary>Refuses a commitment that, with the others on the port (<paramref name="name"/>'s own excepted), exceeds its line rate.</summary>
    private void CheckCommitment(FabricPort port, string name, long committed)
    {
        var others = port.Kind == FabricModuleKind.Vnic
            ? _vnics.Values.Where(v => v.Port == port.Address && v.Name != name).Sum(v => v.Qos.CommittedRate)
            : _vhbas.Values.Where(v => v.Port == port.Address && v.Name != name).Sum(v => v.Qos.CommittedRate);
        if (others + committed > port.LineRate)
        {
            throw new ArgumentException(
                $"Port {port} carries {BitRate.Format(port.LineRate)} and has {BitRate.Format(others)} committed to others; " +
                $"committing {BitRate.Format(committed)} to '{name}' would make {BitRate.Format(others + committed)}, over its line rate.");
        }
    }

    private T Read<T>(Func<T> read)
    {
        lock (_lock)
        {
            return read();
        }
    }

    private static void Load<T>(Dictionary<string, T> records, IReadOnlyList<T> saved, Func<T, string> name)
    {
        foreach (var record in saved)
        {
            records.Add(name(record), record);
        }
    }

    private static List<T> Sorted<T>(Dictionary<string, T> records) => [.. records.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value)];

    private void Save() =>
        StateFile.Write(
            _stateFile,
            new FabricState(Sorted(_vnics), Sorted(_vhbas), Sorted(_luns), Sorted(_profiles), _macs.Next, _wwpns.Next),
            FabricJson.Default.FabricState);
}
