using System.Globalization;
using System.Text.Json;
using ParaIo.Backend.Block;
using ParaIo.Backend.Domains;
using ParaIo.Backend.Storage;
using ParaIo.Protocol.Block;

namespace ParaIo.Daemon.Control;

/// <summary>
/// The <c>disk-*</c> commands: image-file disks and their attachment to domains as <c>vbd</c>
/// devices. Attach and detach change the domain's devices live: a running guest gets the disk at
/// once, or loses it once it has closed it (or the removal timeout has passed).
/// </summary>
public sealed partial class ControlService
{
    private const string DiskCommands = "disk-create NAME BYTES [PATH], disk-adopt NAME PATH, disk-san NAME NBD-URI, disk-list, disk-resize NAME BYTES, disk-delete NAME [keep-image], disk-attach DISK DOMAIN [r|w], disk-detach DISK DOMAIN";

    private Task<string> DiskAsync(IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        if (_disks is null)
        {
            return Task.FromResult(Fail("ENOTSUP", "this paraiod serves no disks"));
        }

        return (arguments[0], arguments.Count) switch
        {
            ("disk-create", 3 or 4) => Task.FromResult(DiskCreated(_disks.Create(arguments[1], Bytes(arguments[2]), arguments.Count == 4 ? arguments[3] : null))),
            ("disk-adopt", 3) => Task.FromResult(DiskCreated(_disks.Create(arguments[1], 0, arguments[2], adopt: true))),
            ("disk-san", 3) => SanAsync(arguments[1], arguments[2], cancellation),
            ("disk-list", 1) => Task.FromResult(Ok(WriteDisks)),
            ("disk-resize", 3) => Task.FromResult(DiskResized(arguments[1], _disks.Resize(arguments[1], Bytes(arguments[2])))),
            ("disk-delete", 2 or 3) => Task.FromResult(DiskDeleted(arguments[1], arguments.Count == 3 && arguments[2] == "keep-image")),
            ("disk-attach", 3 or 4) => AttachAsync(arguments[1], arguments[2], arguments.Count == 4 ? arguments[3] : "w", cancellation),
            ("disk-detach", 3) => DetachAsync(arguments[1], arguments[2], cancellation),
            _ => Task.FromResult(Fail("EINVAL", $"unknown or malformed command '{string.Join(' ', arguments)}'; disk commands: {DiskCommands}")),
        };
    }

    private async Task<string> SanAsync(string name, string uri, CancellationToken cancellation)
    {
        try
        {
            return DiskCreated(await _disks!.CreateSanAsync(name, uri, _logger, cancellation).ConfigureAwait(false));
        }
        catch (IOException e)
        {
            return Fail("EIO", $"the SAN export at {uri} cannot be used: {e.Message}");
        }
    }

    private static long Bytes(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0
            ? bytes
            : throw new ArgumentException($"'{text}' is not a size in bytes.");

    private string DiskCreated(DiskRecord disk) => Ok(w =>
    {
        var (bytes, allocated) = _disks!.Usage(disk);
        w.WriteStartObject();
        w.WriteString("name", disk.Name);
        w.WriteString("path", disk.Path);
        w.WriteNumber("bytes", bytes);
        w.WriteNumber("allocatedBytes", allocated);
        w.WriteEndObject();
    });

    private string DiskResized(string name, long bytes) => Ok(w =>
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteNumber("bytes", bytes);
        w.WriteEndObject();
    });

    private string DiskDeleted(string name, bool keepImage)
    {
        var users = Users(name);
        if (users.Count > 0)
        {
            throw new InvalidOperationException($"Disk '{name}' is attached to {string.Join(", ", users.Select(u => $"{u.Domain} as {u.Device}"))}; detach it first.");
        }

        var disk = _disks!.Delete(name, deleteImage: !keepImage);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("name", disk.Name);
            w.WriteString("path", disk.Path);
            w.WriteBoolean("imageDeleted", !keepImage);
            w.WriteEndObject();
        });
    }

    private async Task<string> AttachAsync(string disk, string domain, string mode, CancellationToken cancellation)
    {
        if (_disks!.Find(disk) is null)
        {
            throw new KeyNotFoundException($"no disk named '{disk}'");
        }

        if (mode is not ("r" or "w"))
        {
            throw new ArgumentException($"'{mode}' is not a mode: r (read-only) or w.");
        }

        DeviceSpec? added = null;
        var record = await _domains.ChangeDevicesAsync(
            domain,
            devices =>
            {
                if (mode == "w" && Users(disk).Any(u => u.Writable))
                {
                    throw new InvalidOperationException($"Disk '{disk}' is attached writable already; a disk has one writer (attach it read-only with r).");
                }

                var taken = devices.Where(d => d.Type == BlkifProtocol.DeviceType).Select(d => d.Id).ToHashSet();
                var settings = new SortedDictionary<string, string>(StringComparer.Ordinal) { [BlockBackendDriver.DiskSetting] = disk };
                if (mode == "r")
                {
                    settings[BlockBackendDriver.ModeSetting] = "r";
                }

                added = new DeviceSpec(BlkifProtocol.DeviceType, Enumerable.Range(0, 10_000).First(id => !taken.Contains(id)), settings);
                return [.. devices, added];
            },
            cancellation).ConfigureAwait(false);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("disk", disk);
            w.WriteString("domain", record.Name);
            w.WriteString("type", added!.Type);
            w.WriteNumber("id", added.Id);
            w.WriteString("mode", mode);
            w.WriteEndObject();
        });
    }

    private async Task<string> DetachAsync(string disk, string domain, CancellationToken cancellation)
    {
        var removed = new List<DeviceSpec>();
        var record = await _domains.ChangeDevicesAsync(
            domain,
            devices =>
            {
                removed.AddRange(devices.Where(d => UsesDisk(d, disk)));
                return removed.Count == 0
                    ? throw new KeyNotFoundException($"disk '{disk}' is not attached to domain '{domain}'")
                    : [.. devices.Where(d => !UsesDisk(d, disk))];
            },
            cancellation).ConfigureAwait(false);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("disk", disk);
            w.WriteString("domain", record.Name);
            w.WriteStartArray("devices");
            foreach (var device in removed)
            {
                w.WriteStringValue(device.ToString());
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private void WriteDisks(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        foreach (var disk in _disks!.Disks)
        {
            var (bytes, allocated) = _disks.Usage(disk);
            w.WriteStartObject();
            w.WriteString("name", disk.Name);
            w.WriteString("path", disk.Path);
            w.WriteNumber("bytes", bytes);
            w.WriteNumber("allocatedBytes", allocated);
            w.WriteBoolean("direct", disk.Direct);
            w.WriteString("kind", disk.IsSan ? "san" : "image");
            w.WriteStartArray("attachedTo");
            foreach (var user in Users(disk.Name))
            {
                w.WriteStartObject();
                w.WriteString("domain", user.Domain);
                w.WriteString("device", user.Device);
                w.WriteString("mode", user.Writable ? "w" : "r");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private List<(string Domain, string Device, bool Writable)> Users(string disk) =>
        [.. _domains.Records.SelectMany(r => r.Devices.Where(d => UsesDisk(d, disk)).Select(d => (r.Name, $"{d.Type}:{d.Id}", !IsReadOnly(d))))];

    private static bool UsesDisk(DeviceSpec device, string disk) =>
        device.Type == BlkifProtocol.DeviceType && device.EffectiveSettings.TryGetValue(BlockBackendDriver.DiskSetting, out var name) && name == disk;

    private static bool IsReadOnly(DeviceSpec device) =>
        device.EffectiveSettings.TryGetValue(BlockBackendDriver.ModeSetting, out var mode) && mode == "r";

    /// <summary>A new domain's disks must exist, and a disk has one writer.</summary>
    private void CheckDisks(IReadOnlyList<string> devices)
    {
        foreach (var text in devices)
        {
            var device = DeviceSpec.Parse(text, 0);
            if (device.Type != BlkifProtocol.DeviceType || device.EffectiveSettings.ContainsKey(BlockBackendDriver.VhbaSetting))
            {
                // A disk through a vHBA is checked at every connect, masking included (FabricCatalog.OpenLun).
                continue;
            }

            if (!device.EffectiveSettings.TryGetValue(BlockBackendDriver.DiskSetting, out var disk))
            {
                throw new ArgumentException($"The disk device '{text}' names no disk: write vbd,disk=NAME.");
            }

            if (_disks?.Find(disk) is null)
            {
                throw new KeyNotFoundException($"no disk named '{disk}' (create it with paraioctl disk create)");
            }

            if (!IsReadOnly(device) && Users(disk).Any(u => u.Writable))
            {
                throw new InvalidOperationException($"Disk '{disk}' is attached writable already; a disk has one writer (attach it read-only with mode=r).");
            }
        }
    }
}
