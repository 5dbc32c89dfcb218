using System.Globalization;
using System.Text.Json;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Domains;
using ParaIo.Backend.Fabric;
using ParaIo.Backend.Qos;

namespace ParaIo.Daemon.Control;

/// <summary>
/// The fabric's commands: <c>module-*</c>, <c>vnic-*</c>, <c>vhba-*</c>, <c>lun-*</c> and
/// <c>profile-*</c>. Options travel as <c>KEY=VALUE</c> arguments; rates are bits a second as
/// operators write them (<c>200M</c>), answered in bytes a second. A vNIC or vHBA a domain's device
/// uses is not deleted (take the device away or unbind the profile first). A LUN masked to a vHBA
/// of a bound profile is added to the profile's domain at once (hot-plugged into a running guest).
/// </summary>
public sealed partial class ControlService
{
    private const string FabricCommands =
        "module-list, vnic-create NAME PORT [mac=|rate=|burst=|prio=|ceil=|class=…], vnic-list, vnic-set NAME [rate=|burst=|prio=|ceil=|class=…|classes=none], vnic-delete NAME, " +
        "vhba-create NAME PORT [wwpn=|rate=|limit=|iops=|prio=], vhba-list, vhba-set NAME [rate=|limit=|iops=|prio=|mask=LUN…|unmask=LUN…], vhba-delete NAME, " +
        "lun-create NAME [size=BYTES [path=FILE]|san=URI] [mask=VHBA|WWPN…], lun-list, lun-mask NAME VHBA|WWPN, lun-unmask NAME VHBA|WWPN, lun-delete NAME, " +
        "profile-create NAME [template=T] [lun=L…], profile-list, profile-show NAME, profile-bind NAME DOMAIN, profile-unbind NAME, profile-delete NAME, profile-domain-create PROFILE DOMAIN [DEVICE…]";

    /// <summary>The value that removes an optional limit (<c>ceil=none</c>) or every class (<c>classes=none</c>).</summary>
    private const string NoneValue = "none";

    private static bool IsFabricCommand(string command) =>
        command.StartsWith("module-", StringComparison.Ordinal) || command.StartsWith("vnic-", StringComparison.Ordinal) || command.StartsWith("vhba-", StringComparison.Ordinal)
        || command.StartsWith("lun-", StringComparison.Ordinal) || command.StartsWith("profile-", StringComparison.Ordinal);

    private async Task<string> FabricAsync(IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        if (_fabric is null || _disks is null)
        {
            return Fail("ENOTSUP", "this paraiod has no I/O fabric");
        }

        var catalog = _fabric.Catalog;
        var name = arguments.Count > 1 ? arguments[1] : "";
        return (arguments[0], arguments.Count) switch
        {
            ("module-list", 1) => Ok(WriteModules),
            ("vnic-create", >= 3) => Ok(WriteVnic, CreateVnic(name, arguments[2], Options(arguments, 3, "mac", "rate", "burst", "prio", "ceil", "class"))),
            ("vnic-list", 1) => Ok(w => WriteAll(w, catalog.Vnics, WriteVnic)),
            ("vnic-set", >= 3) => Ok(WriteVnic, catalog.ChangeVnic(name, q => ChangeVnic(q, Options(arguments, 2, "rate", "burst", "prio", "ceil", "class", "classes")))),
            ("vnic-delete", 2) => Ok(WriteVnic, DeleteUnused(name, "vNIC", FabricDevices.VnicOf, catalog.DeleteVnic)),
            ("vhba-create", >= 3) => Ok(WriteVhba, CreateVhba(name, arguments[2], Options(arguments, 3, "wwpn", "rate", "limit", "iops", "prio"))),
            ("vhba-list", 1) => Ok(w => WriteAll(w, catalog.Vhbas, WriteVhba)),
            ("vhba-set", >= 3) => await SetVhbaAsync(name, Options(arguments, 2, "rate", "limit", "iops", "prio", "mask", "unmask"), cancellation).ConfigureAwait(false),
            ("vhba-delete", 2) => Ok(WriteVhba, DeleteUnused(name, "vHBA", FabricDevices.VhbaOf, catalog.DeleteVhba)),
            ("lun-create", >= 2) => await CreateLunAsync(name, Options(arguments, 2, "size", "path", "san", "mask"), cancellation).ConfigureAwait(false),
            ("lun-list", 1) => Ok(w => WriteAll(w, catalog.Luns, WriteLun)),
            ("lun-mask", 3) => await MaskAsync(name, arguments[2], cancellation).ConfigureAwait(false),
            ("lun-unmask", 3) => Ok(WriteLun, catalog.Unmask(name, catalog.ResolveWwpn(arguments[2]))),
            ("lun-delete", 2) => Ok(WriteLun, DeleteLun(name)),
            ("profile-create", >= 2) => Ok(WriteProfile, CreateProfile(name, Options(arguments, 2, "template", "lun"))),
            ("profile-list", 1) => Ok(w => WriteAll(w, catalog.Profiles, WriteProfile)),
            ("profile-show", 2) => Ok(WriteProfile, catalog.FindProfile(name) ?? throw new KeyNotFoundException($"no profile named '{name}'")),
            ("profile-bind", 3) => await BindAsync(name, arguments[2], cancellation).ConfigureAwait(false),
            ("profile-unbind", 2) => await UnbindAsync(name, cancellation).ConfigureAwait(false),
            ("profile-delete", 2) => Ok(WriteProfile, catalog.DeleteProfile(name, DomainExists)),
            ("profile-domain-create", >= 3) => await CreateDomainWithProfileAsync(name, arguments[2], [.. arguments.Skip(3)], cancellation).ConfigureAwait(false),
            _ => Fail("EINVAL", $"unknown or malformed command '{string.Join(' ', arguments)}'; fabric commands: {FabricCommands}"),
        };
    }

    /// <summary>A result written from a record made (or changed) before the reply is begun.</summary>
    private static string Ok<T>(Action<Utf8JsonWriter, T> write, T value) => Ok(w => write(w, value));

    private ProfileBinder Binder => new(_fabric!.Catalog, DomainExists, _domains.ChangeDevicesAsync);

    private bool DomainExists(string domain) => _domains.Records.Any(r => r.Name == domain);

    private VnicRecord CreateVnic(string name, string port, ILookup<string, string> options)
    {
        MacAddress? mac = null;
        if (options["mac"].LastOrDefault() is { } text)
        {
            mac = MacAddress.TryParse(text, out var parsed) ? parsed : throw new ArgumentException($"mac={text} is not a MAC address: write xx:xx:xx:xx:xx:xx.");
        }

        var qos = ChangeVnic(new VnicQos(0, 0, 4, null, []), options);
        return _fabric!.Catalog.CreateVnic(name, port, qos, mac);
    }

    private static VnicQos ChangeVnic(VnicQos qos, ILookup<string, string> options)
    {
        if (options["rate"].LastOrDefault() is { } rate)
        {
            qos = qos with { CommittedRate = BitRate.Parse(rate, "rate") };
        }

        if (options["burst"].LastOrDefault() is { } burst)
        {
            qos = qos with { Burst = long.TryParse(burst, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : throw new ArgumentException($"burst={burst} is not a number of bytes.") };
        }

        if (options["prio"].LastOrDefault() is { } priority)
        {
            qos = qos with { Priority = FabricNames.ParsePriority(priority) };
        }

        if (options["ceil"].LastOrDefault() is { } ceiling)
        {
            qos = qos with { Ceiling = ceiling == NoneValue ? null : BitRate.Parse(ceiling, "ceil") };
        }

        if (options["classes"].LastOrDefault() is { } classes)
        {
            qos = classes == NoneValue ? qos with { Classes = [] } : throw new ArgumentException($"classes={classes}: write classes=none to remove every class, or class=… for each class.");
        }

        if (options.Contains("class"))
        {
            qos = qos with { Classes = [.. options["class"].Select(TrafficClass.Parse)] };
        }

        return qos;
    }

    private VhbaRecord CreateVhba(string name, string port, ILookup<string, string> options)
    {
        Wwpn? wwpn = options["wwpn"].LastOrDefault() is { } text ? Wwpn.Parse(text) : null;
        return _fabric!.Catalog.CreateVhba(name, port, ChangeVhba(new VhbaQos(0, null, null, 4), options), wwpn);
    }

    private static VhbaQos ChangeVhba(VhbaQos qos, ILookup<string, string> options)
    {
        if (options["rate"].LastOrDefault() is { } rate)
        {
            qos = qos with { CommittedRate = BitRate.Parse(rate, "rate") };
        }

        if (options["limit"].LastOrDefault() is { } limit)
        {
            qos = qos with { BandwidthLimit = limit == NoneValue ? null : BitRate.Parse(limit, "limit") };
        }

        if (options["iops"].LastOrDefault() is { } iops)
        {
            qos = qos with
            {
                IopsLimit = iops == NoneValue ? null
                    : long.TryParse(iops, NumberStyles.None, CultureInfo.InvariantCulture, out var ops) ? ops
                    : throw new ArgumentException($"iops={iops} is not a number of requests a second."),
            };
        }

        if (options["prio"].LastOrDefault() is { } priority)
        {
            qos = qos with { Priority = FabricNames.ParsePriority(priority) };
        }

        return qos;
    }

    /// <summary>Changes a vHBA's service level and the LUNs masked to it (<c>mask=LUN</c>, <c>unmask=LUN</c>), as <c>lun-mask</c> and <c>lun-unmask</c> do.</summary>
    private async Task<string> SetVhbaAsync(string name, ILookup<string, string> options, CancellationToken cancellation)
    {
        var catalog = _fabric!.Catalog;
        var vhba = catalog.FindVhba(name) ?? throw new KeyNotFoundException($"no vHBA named '{name}'");

        // Every masking change is checked before anything changes, so a refusal leaves the vHBA as it was.
        foreach (var lun in options["mask"].Concat(options["unmask"]))
        {
            _ = catalog.FindLun(lun) ?? throw new KeyNotFoundException($"no LUN named '{lun}'");
        }

        if (options["unmask"].FirstOrDefault(l => !catalog.FindLun(l)!.IsMaskedTo(vhba.Wwpn)) is { } hidden)
        {
            throw new KeyNotFoundException($"LUN '{hidden}' is not masked to vHBA '{name}'");
        }

        if (options["mask"].FirstOrDefault(l => catalog.FindLun(l)!.IsMaskedTo(vhba.Wwpn)) is { } seen)
        {
            throw new ArgumentException($"LUN '{seen}' is masked to vHBA '{name}' already.");
        }

        if (options.Any(o => o.Key is not ("mask" or "unmask")))
        {
            vhba = catalog.ChangeVhba(name, q => ChangeVhba(q, options));
        }

        foreach (var lun in options["unmask"])
        {
            catalog.Unmask(lun, vhba.Wwpn);
        }

        foreach (var lun in options["mask"])
        {
            catalog.Mask(lun, vhba.Wwpn);
        }

        if (options.Contains("mask"))
        {
            await AddToBoundProfilesAsync([vhba.Wwpn], cancellation).ConfigureAwait(false);
        }

        return Ok(WriteVhba, vhba);
    }

    /// <summary>Deletes a vNIC or vHBA no domain's device uses; one in use is refused, naming the devices.</summary>
    private T DeleteUnused<T>(string name, string what, Func<DeviceSpec, string?> adapterOf, Func<string, T> delete)
    {
        var users = _domains.Records.SelectMany(r => r.Devices.Where(d => adapterOf(d) == name).Select(d => $"{r.Name} ({d.Type}:{d.Id})")).ToList();
        if (users.Count > 0)
        {
            throw new InvalidOperationException($"{what} '{name}' is used by {string.Join(", ", users)}; take the device away (or unbind its profile) first.");
        }

        return delete(name);
    }

    private async Task<string> CreateLunAsync(string name, ILookup<string, string> options, CancellationToken cancellation)
    {
        var catalog = _fabric!.Catalog;
        var masks = options["mask"].Select(catalog.ResolveWwpn).ToList();
        if (catalog.FindLun(name) is not null)
        {
            throw new ArgumentException($"A LUN named '{name}' exists already.");
        }

        if (options["san"].LastOrDefault() is { } san)
        {
            try
            {
                await _disks!.CreateSanAsync(name, san, _logger, cancellation).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                return Fail("EIO", $"the SAN export at {san} cannot be used: {e.Message}");
            }
        }
        else if (options["size"].LastOrDefault() is { } size)
        {
            _disks!.Create(name, Bytes(size), options["path"].LastOrDefault());
        }
        else if (options.Contains("path"))
        {
            throw new ArgumentException("path= goes with size=: a LUN's new image needs a size (or adopt an existing disk by giving neither).");
        }

        var lun = catalog.CreateLun(name, masks);
        await AddToBoundProfilesAsync(masks, cancellation).ConfigureAwait(false);
        return Ok(WriteLun, lun);
    }

    /// <summary>Masks a LUN to a vHBA; a vHBA of a bound profile gives its domain the disk at once (hot-plugged).</summary>
    private async Task<string> MaskAsync(string lun, string vhba, CancellationToken cancellation)
    {
        var wwpn = _fabric!.Catalog.ResolveWwpn(vhba);
        var masked = _fabric.Catalog.Mask(lun, wwpn);
        await AddToBoundProfilesAsync([wwpn], cancellation).ConfigureAwait(false);
        return Ok(WriteLun, masked);
    }

    /// <summary>
    /// After LUNs were masked to <paramref name="wwpns"/>: gives the domains of bound profiles whose
    /// vHBAs have them the disks they now see, and offers again every device refused for want of
    /// masking (a <c>vbd,vhba=…,lun=…</c> published before its LUN was masked), so it connects now.
    /// </summary>
    private async Task AddToBoundProfilesAsync(IReadOnlyCollection<Wwpn> wwpns, CancellationToken cancellation)
    {
        var catalog = _fabric!.Catalog;
        foreach (var profile in catalog.Profiles.Where(p => p.Vhbas.Any(v => catalog.FindVhba(v) is { } vhba && wwpns.Contains(vhba.Wwpn))))
        {
            await Binder.AddNewDevicesAsync(profile.Name, cancellation).ConfigureAwait(false);
        }

        await _domains.RetryRefusedDevicesAsync(cancellation).ConfigureAwait(false);
    }

    private LunRecord DeleteLun(string name)
    {
        var users = _domains.Records.SelectMany(r => r.Devices.Where(d => FabricDevices.LunOf(d) == name).Select(d => $"{r.Name} ({d.Type}:{d.Id})")).ToList();
        return users.Count > 0
            ? throw new InvalidOperationException($"LUN '{name}' is used by {string.Join(", ", users)}; take the device away (or unbind its profile) first.")
            : _fabric!.Catalog.DeleteLun(name);
    }

    private ProfileRecord CreateProfile(string name, ILookup<string, string> options) =>
        _fabric!.Catalog.CreateProfile(name, options["template"].LastOrDefault() ?? FabricTemplate.DefaultName, [.. options["lun"]]);

    private async Task<string> BindAsync(string profile, string domain, CancellationToken cancellation)
    {
        var record = await Binder.BindAsync(profile, domain, cancellation).ConfigureAwait(false);
        return Ok(w => WriteBinding(w, profile, record));
    }

    private async Task<string> UnbindAsync(string profile, CancellationToken cancellation)
    {
        var domain = await Binder.UnbindAsync(profile, cancellation).ConfigureAwait(false);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("profile", profile);
            w.WriteString("domain", domain);
            w.WriteEndObject();
        });
    }

    private async Task<string> CreateDomainWithProfileAsync(string profile, string domain, IReadOnlyList<string> devices, CancellationToken cancellation)
    {
        CheckDisks(devices);
        var record = await Binder.CreateDomainAsync(profile, domain, devices, all => _domains.CreateDomainAsync(domain, all, cancellation)).ConfigureAwait(false);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("name", record.Name);
            w.WriteNumber("domid", record.DomainId);
            w.WriteString("token", record.Token);
            w.WriteString("profile", profile);
            w.WriteStartArray("devices");
            foreach (var device in record.Devices)
            {
                w.WriteStartObject();
                w.WriteString("type", device.Type);
                w.WriteNumber("id", device.Id);
                w.WriteString("device", device.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The <c>KEY=VALUE</c> arguments from <paramref name="from"/> on, refusing keys not in <paramref name="known"/>.</summary>
    private static ILookup<string, string> Options(IReadOnlyList<string> arguments, int from, params string[] known)
    {
        var pairs = new List<(string Key, string Value)>();
        foreach (var argument in arguments.Skip(from))
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? argument : argument[..equals];
            if (equals < 0 || !known.Contains(key, StringComparer.Ordinal))
            {
                throw new ArgumentException($"'{argument}' is not an option here; options: {string.Join(", ", known.Select(k => k + "=…"))}.");
            }

            pairs.Add((key, argument[(equals + 1)..]));
        }

        return pairs.ToLookup(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    private void WriteModules(Utf8JsonWriter w)
    {
        var catalog = _fabric!.Catalog;
        w.WriteStartArray();
        foreach (var module in catalog.Configuration.Modules)
        {
            w.WriteStartObject();
            w.WriteString("name", module.Name);
            w.WriteString("kind", module.Kind == FabricModuleKind.Vnic ? "vnic" : "vhba");
            w.WriteNumber("members", module.Ports.Sum(p => catalog.Usage(p).Count));
            if (module.Kind == FabricModuleKind.Vnic)
            {
                w.WriteNumber("maxMembers", FabricModule.MaxVnics);
            }
            else
            {
                w.WriteNull("maxMembers");
            }

            w.WriteStartArray("ports");
            foreach (var port in module.Ports)
            {
                var (committed, count) = catalog.Usage(port);
                w.WriteStartObject();
                w.WriteString("port", port.Address);
                w.WriteNumber("lineRate", port.LineRate);
                w.WriteNumber("committed", committed);
                w.WriteNumber("members", count);
                w.WriteString("bridge", port.Bridge);
                WriteCounters(w, _fabric.PortCounters(port));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private void WriteVnic(Utf8JsonWriter w, VnicRecord vnic)
    {
        w.WriteStartObject();
        w.WriteString("name", vnic.Name);
        w.WriteString("mac", vnic.Mac.ToString());
        w.WriteString("port", vnic.Port);
        w.WriteString("bridge", _fabric!.Catalog.Configuration.Ports.FirstOrDefault(p => p.Address == vnic.Port)?.Bridge);
        w.WriteNumber("committedRate", vnic.Qos.CommittedRate);
        WriteOptional(w, "ceiling", vnic.Qos.Ceiling);
        w.WriteNumber("burst", vnic.Qos.Burst);
        w.WriteNumber("priority", vnic.Qos.Priority);
        w.WriteStartArray("classes");
        foreach (var cls in vnic.Qos.Classes)
        {
            w.WriteStartObject();
            w.WriteString("name", cls.Name);
            w.WriteNumber("committedRate", cls.CommittedRate);
            WriteOptional(w, "ceiling", cls.Ceiling);
            w.WriteNumber("priority", cls.Priority);
            w.WriteStartArray("matches");
            foreach (var match in cls.Matches)
            {
                w.WriteStringValue(match.ToString());
            }

            w.WriteEndArray();
            w.WriteString("text", cls.ToString());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("profile", vnic.Profile);
        WriteUsers(w, d => FabricDevices.VnicOf(d) == vnic.Name);
        WriteEgress(w, _fabric.VnicCounters(vnic.Name));
        w.WriteEndObject();
    }

    /// <summary>A vNIC's egress counters, with its classes' (the shaper's <c>default</c> class among them).</summary>
    private static void WriteEgress(Utf8JsonWriter w, ShapedFlowSnapshot? counters)
    {
        if (counters is null)
        {
            w.WriteNull("counters");
            return;
        }

        w.WriteStartObject("counters");
        w.WriteNumber("bytes", counters.BytesSent);
        w.WriteNumber("frames", counters.FramesSent);
        w.WriteNumber("dropped", counters.Dropped);
        w.WriteNumber("queued", counters.Queued);
        w.WriteNumber("rate", Math.Round(counters.Rate));
        w.WriteStartArray("classes");
        foreach (var cls in counters.Classes)
        {
            w.WriteStartObject();
            w.WriteString("name", cls.Name);
            w.WriteNumber("bytes", cls.BytesSent);
            w.WriteNumber("frames", cls.FramesSent);
            w.WriteNumber("dropped", cls.Dropped);
            w.WriteNumber("queued", cls.Queued);
            w.WriteNumber("rate", Math.Round(cls.Rate));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteVhba(Utf8JsonWriter w, VhbaRecord vhba)
    {
        w.WriteStartObject();
        w.WriteString("name", vhba.Name);
        w.WriteString("wwpn", vhba.Wwpn.ToString());
        w.WriteString("port", vhba.Port);
        w.WriteNumber("committedRate", vhba.Qos.CommittedRate);
        WriteOptional(w, "bandwidthLimit", vhba.Qos.BandwidthLimit);
        WriteOptional(w, "iopsLimit", vhba.Qos.IopsLimit);
        w.WriteNumber("priority", vhba.Qos.Priority);
        w.WriteStartArray("luns");
        foreach (var lun in _fabric!.Catalog.LunsOf(vhba.Name))
        {
            w.WriteStringValue(lun.Name);
        }

        w.WriteEndArray();
        w.WriteString("profile", vhba.Profile);
        WriteUsers(w, d => FabricDevices.VhbaOf(d) == vhba.Name);
        WriteCounters(w, _fabric.VhbaCounters(vhba.Name));
        w.WriteEndObject();
    }

    private void WriteLun(Utf8JsonWriter w, LunRecord lun)
    {
        var disk = _disks!.Find(lun.Name);
        w.WriteStartObject();
        w.WriteString("name", lun.Name);
        w.WriteString("kind", disk is null ? "missing" : disk.IsSan ? "san" : "image");
        w.WriteString("path", disk?.Path);
        w.WriteNumber("bytes", disk is null ? -1 : _disks.Usage(disk).Bytes);
        w.WriteStartArray("masks");
        foreach (var wwpn in lun.Masks)
        {
            w.WriteStartObject();
            w.WriteString("wwpn", wwpn.ToString());
            w.WriteString("vhba", _fabric!.Catalog.Vhbas.FirstOrDefault(v => v.Wwpn == wwpn)?.Name);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteUsers(w, d => FabricDevices.LunOf(d) == lun.Name);
        w.WriteEndObject();
    }

    private void WriteProfile(Utf8JsonWriter w, ProfileRecord profile)
    {
        var catalog = _fabric!.Catalog;
        w.WriteStartObject();
        w.WriteString("name", profile.Name);
        w.WriteString("template", profile.Template);
        // A profile whose domain was destroyed is free again: it shows unbound.
        w.WriteString("domain", profile.Domain is { } domain && DomainExists(domain) ? domain : null);
        w.WriteStartArray("vnics");
        foreach (var vnic in profile.Vnics.Select(catalog.FindVnic).OfType<VnicRecord>())
        {
            WriteVnic(w, vnic);
        }

        w.WriteEndArray();
        w.WriteStartArray("vhbas");
        foreach (var vhba in profile.Vhbas.Select(catalog.FindVhba).OfType<VhbaRecord>())
        {
            WriteVhba(w, vhba);
        }

        w.WriteEndArray();
        w.WriteStartArray("devices");
        foreach (var device in catalog.FindProfile(profile.Name) is null ? [] : catalog.ProfileDevices(profile.Name))
        {
            w.WriteStringValue(device);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteBinding(Utf8JsonWriter w, string profile, DomainRecord record)
    {
        w.WriteStartObject();
        w.WriteString("profile", profile);
        w.WriteString("domain", record.Name);
        w.WriteNumber("domid", record.DomainId);
        w.WriteStartArray("devices");
        foreach (var device in record.Devices)
        {
            w.WriteStringValue(device.ToString());
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteUsers(Utf8JsonWriter w, Func<DeviceSpec, bool> uses)
    {
        w.WriteStartArray("usedBy");
        foreach (var record in _domains.Records)
        {
            foreach (var device in record.Devices.Where(uses))
            {
                w.WriteStartObject();
                w.WriteString("domain", record.Name);
                w.WriteString("device", $"{device.Type}:{device.Id}");
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
    }

    private static void WriteCounters(Utf8JsonWriter w, QosNodeSnapshot? counters)
    {
        if (counters is not { } snapshot)
        {
            w.WriteNull("counters");
            return;
        }

        w.WriteStartObject("counters");
        w.WriteNumber("bytes", snapshot.BytesSent);
        w.WriteNumber("operations", snapshot.OpsSent);
        w.WriteNumber("borrowedBytes", snapshot.BorrowedBytes);
        w.WriteNumber("dropped", snapshot.Dropped);
        w.WriteNumber("queued", snapshot.Queued);
        w.WriteNumber("rate", Math.Round(snapshot.Rate));
        w.WriteNumber("operationRate", Math.Round(snapshot.OpsRate));
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteAll<T>(Utf8JsonWriter w, IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        w.WriteStartArray();
        foreach (var item in items)
        {
            write(w, item);
        }

        w.WriteEndArray();
    }
}
