using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;

namespace ParaIo.Backend.Fabric;

/// <summary>LUNs: disks of the disk catalog with the WWPNs they are masked to, and the check every vHBA device passes.</summary>
public sealed partial class FabricCatalog
{
    /// <summary>Every LUN, by name.</summary>
    public IReadOnlyList<LunRecord> Luns => Read(() => Sorted(_luns));

    /// <summary>The LUN named <paramref name="name"/>, or null.</summary>
    public LunRecord? FindLun(string name) => Read(() => _luns.GetValueOrDefault(name));

    /// <summary>Makes the catalog disk <paramref name="disk"/> a LUN, masked to <paramref name="masks"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such disk.</exception>
    /// <exception cref="ArgumentException">It is a LUN already.</exception>
    public LunRecord CreateLun(string disk, IEnumerable<Wwpn> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (_disks.Find(disk) is null)
        {
            throw new KeyNotFoundException($"no disk named '{disk}' (create it with paraioctl lun create {disk} --size SIZE, or --san URI)");
        }

        lock (_lock)
        {
            if (_luns.ContainsKey(disk))
            {
                throw new ArgumentException($"Disk '{disk}' is a LUN already.");
            }

            var lun = new LunRecord(disk, [.. masks.Distinct()]);
            _luns.Add(disk, lun);
            Save();
            return lun;
        }
    }

    /// <summary>Lets the vHBA with <paramref name="wwpn"/> see <paramref name="lun"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such LUN.</exception>
    /// <exception cref="ArgumentException">It is masked to that WWPN already.</exception>
    public LunRecord Mask(string lun, Wwpn wwpn) => ChangeMasks(lun, masks =>
        masks.Contains(wwpn) ? throw new ArgumentException($"LUN '{lun}' is masked to {wwpn} already.") : [.. masks, wwpn]);

    /// <summary>Hides <paramref name="lun"/> from the vHBA with <paramref name="wwpn"/>: its next connect is refused (one connected now keeps going).</summary>
    /// <exception cref="KeyNotFoundException">No such LUN, or it is not masked to that WWPN.</exception>
    public LunRecord Unmask(string lun, Wwpn wwpn) => ChangeMasks(lun, masks =>
        masks.Contains(wwpn) ? [.. masks.Where(m => m != wwpn)] : throw new KeyNotFoundException($"LUN '{lun}' is not masked to {wwpn}"));

    /// <summary>Forgets a LUN (its disk stays in the disk catalog).</summary>
    /// <exception cref="KeyNotFoundException">No such LUN.</exception>
    public LunRecord DeleteLun(string name)
    {
        lock (_lock)
        {
            if (!_luns.Remove(name, out var lun))
            {
                throw new KeyNotFoundException($"no LUN named '{name}'");
            }

            Save();
            return lun;
        }
    }

    /// <summary>The WWPN of the vHBA named <paramref name="text"/>, or <paramref name="text"/> read as a WWPN.</summary>
    /// <exception cref="ArgumentException">Neither a vHBA nor a WWPN.</exception>
    public Wwpn ResolveWwpn(string text) =>
        FindVhba(text) is { } vhba ? vhba.Wwpn
        : Wwpn.TryParse(text, out var wwpn) ? wwpn
        : throw new ArgumentException($"'{text}' is neither a vHBA nor a WWPN (50:01:43:80:xx:xx:xx:xx).");

    /// <summary>The LUNs the vHBA named <paramref name="vhba"/> sees: those masked to its WWPN.</summary>
    public IReadOnlyList<LunRecord> LunsOf(string vhba) => Read(() =>
        _vhbas.TryGetValue(vhba, out var record) ? [.. Sorted(_luns).Where(l => l.IsMaskedTo(record.Wwpn))] : (IReadOnlyList<LunRecord>)[]);

    /// <summary>
    /// The disk behind <c>vbd,vhba=<paramref name="vhba"/>,lun=<paramref name="lun"/></c>, after
    /// the masking check, with the vHBA it goes through.
    /// </summary>
    /// <exception cref="DeviceRejectedException">No such vHBA or LUN, the LUN is not masked to the vHBA's WWPN, or its disk is not available.</exception>
    public (VhbaRecord Vhba, ILun Disk) OpenLun(string vhba, string lun)
    {
        VhbaRecord record;
        lock (_lock)
        {
            record = _vhbas.GetValueOrDefault(vhba) ?? throw new DeviceRejectedException($"there is no vHBA named '{vhba}'");
            var masked = _luns.GetValueOrDefault(lun) ?? throw new DeviceRejectedException($"there is no LUN named '{lun}' (paraioctl lun create)");
            if (!masked.IsMaskedTo(record.Wwpn))
            {
                throw new DeviceRejectedException($"LUN '{lun}' is not masked to vHBA '{vhba}' (WWPN {record.Wwpn}); paraioctl lun mask {lun} {vhba} lets it see the LUN");
            }
        }

        var disk = _disks.Open(lun) ?? throw new DeviceRejectedException($"the disk of LUN '{lun}' is not available (its image is gone, or its SAN does not answer)");
        return (record, disk);
    }

    /// <summary>Takes <paramref name="wwpns"/> out of every LUN's masking (their adapters are gone).</summary>
    private void UnmaskLocked(IReadOnlySet<Wwpn> wwpns)
    {
        foreach (var lun in _luns.Values.Where(l => l.Masks.Any(wwpns.Contains)).ToList())
        {
            _luns[lun.Name] = lun with { Masks = [.. lun.Masks.Where(m => !wwpns.Contains(m))] };
        }
    }

    private LunRecord ChangeMasks(string name, Func<IReadOnlyList<Wwpn>, IReadOnlyList<Wwpn>> change)
    {
        lock (_lock)
        {
            var lun = _luns.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"no LUN named '{name}'");
            var changed = lun with { Masks = change(lun.Masks) };
            _luns[name] = changed;
            Save();
            return changed;
        }
    }
}
