using ParaIo.Backend.Domains;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// Binds server profiles to domains: a new domain made with the profile's devices, or an existing
/// domain given them (<c>vif,vnic=…</c>, <c>vbd,vhba=…,lun=…</c>); unbinding takes them away and
/// leaves every identity with the profile. The profile is reserved for the domain first, so two
/// binds cannot both win, and released again when the domain refuses the devices.
/// </summary>
public sealed class ProfileBinder
{
    private readonly FabricCatalog _catalog;
    private readonly Func<string, bool> _domainExists;
    private readonly DomainDeviceChange _changeDevices;

    /// <summary>Creates the binder over the fabric and the daemon's domains.</summary>
    /// <param name="catalog">The fabric.</param>
    /// <param name="domainExists">Whether a domain exists (a profile bound to a destroyed domain is free again).</param>
    /// <param name="changeDevices">Changes a domain's devices (<see cref="DomainManager.ChangeDevicesAsync"/>).</param>
    public ProfileBinder(FabricCatalog catalog, Func<string, bool> domainExists, DomainDeviceChange changeDevices)
    {
        _catalog = catalog;
        _domainExists = domainExists;
        _changeDevices = changeDevices;
    }

    /// <summary>
    /// Makes a domain bound to <paramref name="profile"/>: <paramref name="create"/> gets the
    /// operator's <paramref name="devices"/> followed by the profile's.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    /// <exception cref="InvalidOperationException">The profile is bound to another domain.</exception>
    public async Task<DomainRecord> CreateDomainAsync(string profile, string domain, IReadOnlyList<string> devices, Func<IReadOnlyList<string>, Task<DomainRecord>> create)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(create);
        if (_domainExists(domain))
        {
            throw new ArgumentException($"A domain named '{domain}' exists already; bind the profile to it with paraioctl profile bind {profile} {domain}.");
        }

        _catalog.Reserve(profile, domain, _domainExists);
        try
        {
            var record = await create([.. devices, .. _catalog.ProfileDevices(profile)]).ConfigureAwait(false);
            _catalog.Settle(profile);
            return record;
        }
        catch
        {
            _catalog.Release(profile, domain);
            throw;
        }
    }

    /// <summary>Gives an existing domain the profile's devices, each with the lowest id its type leaves free.</summary>
    /// <exception cref="KeyNotFoundException">No such profile or domain.</exception>
    /// <exception cref="InvalidOperationException">The profile is bound to another domain, or the domain refuses the change (it is being destroyed).</exception>
    public async Task<DomainRecord> BindAsync(string profile, string domain, CancellationToken cancellation)
    {
        if (!_domainExists(domain))
        {
            throw new KeyNotFoundException($"no domain named '{domain}'");
        }

        _catalog.Reserve(profile, domain, _domainExists);
        try
        {
            var added = _catalog.ProfileDevices(profile).Select(text => DeviceSpec.Parse(text, defaultId: -1)).ToList();
            var record = await _changeDevices(domain, current => WithFreeIds(current, added), cancellation).ConfigureAwait(false);
            _catalog.Settle(profile);
            return record;
        }
        catch
        {
            _catalog.Release(profile, domain);
            throw;
        }
    }

    /// <summary>
    /// Takes the profile's devices from its domain and marks it unbound; its vNICs, vHBAs,
    /// identities and masking stay. A profile whose domain was destroyed is just marked unbound.
    /// </summary>
    /// <returns>The domain it was bound to.</returns>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    /// <exception cref="InvalidOperationException">It is not bound, or the domain refuses the change (it is being destroyed).</exception>
    public async Task<string> UnbindAsync(string profile, CancellationToken cancellation)
    {
        var domain = _catalog.BeginUnbind(profile);
        var record = _catalog.FindProfile(profile)!;
        try
        {
            if (_domainExists(domain))
            {
                await _changeDevices(domain, current => [.. current.Where(d => !_catalog.IsProfileDevice(record, d))], cancellation).ConfigureAwait(false);
            }
        }
        catch
        {
            _catalog.Settle(profile);
            throw;
        }

        _catalog.Release(profile, domain);
        return domain;
    }

    /// <summary>
    /// Gives the profile's domain the devices the profile has gained since it was bound — a LUN
    /// masked to one of its vHBAs since — hot-plugged into a running guest. Devices it lost (an
    /// unmasked LUN) stay until the next unbind: the masking check refuses them at their next connect.
    /// </summary>
    /// <returns>The devices added; none when the profile is unbound or its domain has them all.</returns>
    /// <exception cref="KeyNotFoundException">No such profile.</exception>
    public async Task<IReadOnlyList<DeviceSpec>> AddNewDevicesAsync(string profile, CancellationToken cancellation)
    {
        var record = _catalog.FindProfile(profile) ?? throw new KeyNotFoundException($"no profile named '{profile}'");
        if (record.Domain is not { } domain || !_domainExists(domain))
        {
            return [];
        }

        var wanted = _catalog.ProfileDevices(profile).Select(text => DeviceSpec.Parse(text, defaultId: -1)).ToList();
        var added = new List<DeviceSpec>();
        await _changeDevices(
            domain,
            current =>
            {
                var devices = WithFreeIds(current, [.. wanted.Where(w => !current.Any(c => (c with { Id = w.Id }).Equals(w)))]);
                added.AddRange(devices.Skip(current.Count));
                return devices;
            },
            cancellation).ConfigureAwait(false);
        return added;
    }

    private static List<DeviceSpec> WithFreeIds(IReadOnlyList<DeviceSpec> current, IReadOnlyList<DeviceSpec> added)
    {
        var devices = current.ToList();
        foreach (var device in added)
        {
            var taken = devices.Where(d => d.Type == device.Type).Select(d => d.Id).ToHashSet();
            devices.Add(device with { Id = Enumerable.Range(0, 10_000).First(id => !taken.Contains(id)) });
        }

        return devices;
    }
}
