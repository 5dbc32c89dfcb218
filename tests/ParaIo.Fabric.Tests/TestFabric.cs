using ParaIo.Backend.Fabric;
using ParaIo.Backend.Storage;

namespace ParaIo.Fabric.Tests;

/// <summary>
/// A fabric in a temporary state directory: VNIC module nic0 (one 1 Gb/s port on br0), VNIC module
/// nic1 (two 10 Gb/s ports), VHBA module hba0 (one 4 Gb/s port); templates "default" (a 100 Mb/s
/// vNIC and a vHBA) and "paper" (the paper's 200 Mb/s vNIC split SAP 100, Exchange 70, backup 30).
/// </summary>
internal sealed class TestFabric : IDisposable
{
    public const long Mbps = 1_000_000 / 8;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("paraio-fabric-test-");

    public TestFabric(FabricConfiguration? configuration = null)
    {
        Configuration = configuration ?? DefaultConfiguration();
        Disks = new DiskCatalog(StateDirectory);
        Catalog = new FabricCatalog(StateDirectory, Configuration, Disks);
    }

    public FabricConfiguration Configuration { get; }

    public string StateDirectory => _directory.FullName;

    public DiskCatalog Disks { get; private set; }

    public FabricCatalog Catalog { get; private set; }

    public static VnicQos Vnic(long committedMbps, int priority = 4, long? ceilingMbps = null, params TrafficClass[] classes) =>
        new(committedMbps * Mbps, 0, priority, ceilingMbps * Mbps, classes);

    public static VhbaQos Vhba(long committedMbps = 0, long? limitMbps = null, long? iops = null, int priority = 4) =>
        new(committedMbps * Mbps, limitMbps * Mbps, iops, priority);

    public static FabricConfiguration DefaultConfiguration() => new(
        [
            new FabricModule("nic0", FabricModuleKind.Vnic, [new FabricPort("nic0", 0, FabricModuleKind.Vnic, 1000 * Mbps, "br0")]),
            new FabricModule("nic1", FabricModuleKind.Vnic, [new FabricPort("nic1", 0, FabricModuleKind.Vnic, 10_000 * Mbps, "br1"), new FabricPort("nic1", 1, FabricModuleKind.Vnic, 10_000 * Mbps, "br1")]),
            new FabricModule("hba0", FabricModuleKind.Vhba, [new FabricPort("hba0", 0, FabricModuleKind.Vhba, 4000 * Mbps, null)]),
        ],
        IdentityPolicy.Default,
        [
            new FabricTemplate(FabricTemplate.DefaultName, [new VnicShape("nic0/0", Vnic(100))], [new VhbaShape("hba0/0", Vhba(200, iops: 5000))]),
            new FabricTemplate("paper", [new VnicShape("nic0/0", Vnic(200, 2, 200, TrafficClass.Parse("sap:100M:tcp/3200-3299"), TrafficClass.Parse("exchange:70M:tcp/135+tcp/443"), TrafficClass.Parse("backup:30M:tcp/10000:prio=6")))], []),
        ]);

    /// <summary>A disk of 1 MiB in the disk catalog.</summary>
    public void CreateDisk(string name) => Disks.Create(name, 1 << 20);

    /// <summary>Opens the state directory again, as a restarted paraiod does.</summary>
    public void Restart()
    {
        Disks.Dispose();
        Disks = new DiskCatalog(StateDirectory);
        Catalog = new FabricCatalog(StateDirectory, Configuration, Disks);
    }

    public void Dispose()
    {
        Disks.Dispose();
        _directory.Delete(recursive: true);
    }
}
