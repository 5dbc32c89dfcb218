using System.Globalization;
using ParaIo.Backend.Domains;

namespace ParaIo.Backend.Fabric;

/// <summary>Server profiles: made from a template with fresh identities, bound to one domain at a time.</summary>
public sealed partial class FabricCatalog
{
    /// <summary>A profile's name is short enough for its members' names (<c>NAME-hbaN</c>) to be names too.</summary>
    public const int MaxProfileName = 24;

    /// <summary>Every profile, by name.</summary>
    public IReadOnlyList<ProfileRecord> Profiles => Read(() => Sorted(_profiles));

    /// <summary>The profile named <paramref name="name"/>, or null.</summary>
    public ProfileRecord? FindProfile(string name) => Read(() => _profiles.GetValueOrDefault(name));

    /// <summary>
    /// Makes a profile from <paramref name="template"/>: its vNICs (<c>NAME-nicN</c>) and vHBAs
    /// (<c>NAME-hbaN</c>) with the next MACs and WWPNs of the pools, and <paramref name="luns"/>
    /// masked to every one of its vHBAs. All or nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A bad or taken name, commitments over a line rate, a full module, or LUNs without a vHBA to see them.</exception>
    /// <exception cref="KeyNotFoundException">No such template or LUN.</exception>
    public ProfileRecord CreateProfile(string name, string template, IReadOnlyList<string> luns)
    {
        FabricNames.Check(name, "profile");
        if (name.Length > MaxProfileName)
        {
            throw new ArgumentException($"Profile name '{name}' is longer than {MaxProfileName} characters (its vNICs and vHBAs are named after it).");
        }

        ArgumentNullException.ThrowIfNull(luns);
        var shape = Configuration.FindTemplate(template);
        lock (_lock)
        {
            if (_profiles.ContainsKey(name))
            {
                throw new ArgumentException($"A profile named '{name}' exists already.");
            }

            if (luns.FirstOrDefault(l => !_luns.ContainsKey(l)) is { } missing)
            {
                throw new KeyNotFoundException($"no LUN named '{missing}'");
            }

            if (luns.Count > 0 && shape.Vhbas.Count == 0)
            {
                throw new ArgumentException($"Template '{template}' has no vHBA for LUNs {string.Join(", ", luns)} to be masked to.");
            }

            var (nextMac, nextWwpn) = (_macs.Next, _wwpns.Next);
            var vnics = new List<VnicRecord>();
            var vhbas = new List<VhbaRecord>();
            try
            {
                vnics.AddRange(shape.Vnics.Select((v, i) => AddVnicLocked(Member(name, "nic", i), v.Port, v.Qos, null, name)));
                vhbas.AddRange(shape.Vhbas.Select((v, i) => AddVhbaLocked(Member(name, "hba", i), v.Port, v.Qos, null, name)));
            }
            catch
            {
                // Nothing of a profile that cannot be made whole stays, and the pools resume where they were.
                vnics.ForEach(v => _vnics.Remove(v.Name));
                vhbas.ForEach(v => _vhbas.Remove(v.Name));
                (_macs.Next, _wwpns.Next) = (nextMac, nextWwpn);
                throw;
            }

            foreach (var lun in luns.Distinct())
            {
                var record = _luns[lun];
                _luns[lun] = record with { Masks = [.. record.Masks.Union(vhbas.Select(v => v.Wwpn))] };
            }

            var profile = new ProfileRecord(name, template, [.. vnics.Select(v => v.Name)], [.. vhbas.Select(v => v.Name)]);
            _profiles.Add(name, profile);
            Save();
            vnics.ForEach(v => _dataPath?.VnicAdded(v));
            vhbas.ForEach(v => _dataPath?.VhbaAdded(v));
            return profile;
        }
    }

    /// <summary>Deletes an unbound profile with its vNICs and vHBAs, releasing their identities and unmasking their WWPNs.</summary>
    /// <param name="name">The profile.</param>
    /// <param name="domainExists">Whether a domain still exists: a profile bound to a destroyed domain counts as unbound.</param>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    /// <exception cref="InvalidOperationException">It is bound to a domain.</exception>
    public ProfileRecord DeleteProfile(string name, Func<string, bool> domainExists)
    {
        ArgumentNullException.ThrowIfNull(domainExists);
        lock (_lock)
        {
            var profile = _profiles.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no profile named '{name}'");
            if (profile.Domain is { } domain && (domainExists(domain) || _binding.Contains(name)))
            {
                throw new InvalidOperationException($"Profile '{name}' is bound to domain '{domain}'; unbind it first (paraioctl profile unbind {name}).");
            }

            UnmaskLocked(profile.Vhbas.Select(v => _vhbas[v].Wwpn).ToHashSet());
            var vnics = profile.Vnics.Select(v => _vnics[v]).ToList();
            var vhbas = profile.Vhbas.Select(v => _vhbas[v]).ToList();
            vnics.ForEach(v => _vnics.Remove(v.Name));
            vhbas.ForEach(v => _vhbas.Remove(v.Name));
            _profiles.Remove(name);
            Save();
            vnics.ForEach(v => _dataPath?.VnicRemoved(v));
            vhbas.ForEach(v => _dataPath?.VhbaRemoved(v));
            return profile;
        }
    }

    /// <summary>
    /// The devices a domain gets from the profile: <c>vif,vnic=…</c> for each vNIC, and
    /// <c>vbd,vhba=…,lun=…</c> for each LUN its vHBAs see (through the first vHBA that sees it).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    public IReadOnlyList<string> ProfileDevices(string name)
    {
        lock (_lock)
        {
            var profile = _profiles.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no profile named '{name}'");
            var devices = profile.Vnics.Select(FabricDevices.Vif).ToList();
            foreach (var lun in Sorted(_luns))
            {
                if (profile.Vhbas.FirstOrDefault(v => lun.IsMaskedTo(_vhbas[v].Wwpn)) is { } vhba)
                {
                    devices.Add(FabricDevices.Vbd(vhba, lun.Name));
                }
            }

            return devices;
        }
    }

    /// <summary>Whether <paramref name="device"/> is one the profile gave its domain.</summary>
    public bool IsProfileDevice(ProfileRecord profile, DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return (FabricDevices.VnicOf(device) is { } vnic && profile.Vnics.Contains(vnic))
            || (FabricDevices.VhbaOf(device) is { } vhba && profile.Vhbas.Contains(vhba));
    }

    /// <summary>
    /// Records that <paramref name="name"/> is being bound to <paramref name="domain"/>, refusing
    /// when it is bound to another domain that still exists, is being bound right now, or that
    /// domain has another profile. <see cref="Settle"/> (bound) or <see cref="Release"/> (refused) follows.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    /// <exception cref="InvalidOperationException">It is bound elsewhere, or the domain has a profile.</exception>
    public ProfileRecord Reserve(string name, string domain, Func<string, bool> domainExists)
    {
        ArgumentNullException.ThrowIfNull(domainExists);
        lock (_lock)
        {
            var profile = _profiles.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no profile named '{name}'");
            if (_binding.Contains(name))
            {
                throw new InvalidOperationException($"Profile '{name}' is being bound or unbound right now.");
            }

            if (profile.Domain is { } bound && domainExists(bound))
            {
                throw new InvalidOperationException(bound == domain
                    ? $"Profile '{name}' is bound to domain '{domain}' already."
                    : $"Profile '{name}' is bound to domain '{bound}'; unbind it first (paraioctl profile unbind {name}).");
            }

            if (_profiles.Values.FirstOrDefault(p => p.Name != name && p.Domain == domain) is { } other)
            {
                throw new InvalidOperationException($"Domain '{domain}' has profile '{other.Name}' bound; a domain has one profile.");
            }

            var reserved = profile with { Domain = domain };
            _profiles[name] = reserved;
            _binding.Add(name);
            Save();
            return reserved;
        }
    }

    /// <summary>
    /// Begins taking the profile from its domain, refusing while another bind or unbind of it is
    /// under way; <see cref="Release"/> (done) or <see cref="Settle"/> (the domain refused) follows.
    /// </summary>
    /// <returns>The domain it is bound to.</returns>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    /// <exception cref="InvalidOperationException">It is not bound, or is being bound or unbound now.</exception>
    public string BeginUnbind(string name)
    {
        lock (_lock)
        {
            var profile = _profiles.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no profile named '{name}'");
            var domain = profile.Domain ?? throw new InvalidOperationException($"Profile '{name}' is not bound to a domain.");
            if (!_binding.Add(name))
            {
                throw new InvalidOperationException($"Profile '{name}' is being bound or unbound right now.");
            }

            return domain;
        }
    }

    /// <summary>Ends a bind or unbind with the profile staying bound: the domain took its devices, or refused to give them back.</summary>
    public void Settle(string name)
    {
        lock (_lock)
        {
            _binding.Remove(name);
        }
    }

    /// <summary>Marks the profile unbound, if it is bound (or being bound) to <paramref name="domain"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    public ProfileRecord Release(string name, string domain)
    {
        lock (_lock)
        {
            var profile = _profiles.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no profile named '{name}'");
            _binding.Remove(name);
            if (profile.Domain != domain)
            {
                return profile;
            }

            var released = profile with { Domain = null };
            _profiles[name] = released;
            Save();
            return released;
        }
    }

    private static string Member(string profile, string kind, int index) => string.Create(CultureInfo.InvariantCulture, $"{profile}-{kind}{index}");
}
