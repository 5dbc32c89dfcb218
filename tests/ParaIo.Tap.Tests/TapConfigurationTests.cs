using System.ComponentModel;
using System.Net.NetworkInformation;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.Devices;

namespace ParaIo.Tap.Tests;

/// <summary>What Open asks of the kernel is what the kernel shows afterwards, read back through sysfs and iproute2.</summary>
[TestClass]
public sealed class TapConfigurationTests : RootTestBed
{
    [TestMethod]
    public void MacMtuAndLinkStateAreApplied()
    {
        var name = UniqueInterfaceName();
        var mac = PhysicalAddress.Parse("02-AB-CD-EF-01-23");
        var tap = Track(TapDevice.Open(new TapOptions { Name = name, MacAddress = mac, Mtu = 1400 }));

        Assert.AreEqual(name, tap.Name);
        Assert.AreEqual("02:ab:cd:ef:01:23", ReadSys(name, "address"));
        Assert.AreEqual("1400", ReadSys(name, "mtu"));
        Assert.AreEqual(1, Convert.ToInt32(ReadSys(name, "flags"), 16) & 1, "IFF_UP is set");
        Assert.AreEqual(mac, tap.MacAddress);
        Assert.AreEqual(1400, tap.Mtu);
        Assert.IsTrue(tap.IsUp);
        Assert.AreEqual(int.Parse(ReadSys(name, "ifindex"), System.Globalization.CultureInfo.InvariantCulture), tap.InterfaceIndex);
    }

    [TestMethod]
    public void ChangesAfterOpenReachTheKernel()
    {
        var name = UniqueInterfaceName();
        var tap = Track(TapDevice.Open(new TapOptions { Name = name, BringUp = false }));
        Assert.AreEqual("1500", ReadSys(name, "mtu"));
        Assert.IsFalse(tap.IsUp);

        tap.SetMtu(9000);
        tap.SetMacAddress(PhysicalAddress.Parse("02-00-00-00-00-99"));
        tap.SetLinkUp(true);

        Assert.AreEqual("9000", ReadSys(name, "mtu"));
        Assert.AreEqual("02:00:00:00:00:99", ReadSys(name, "address"));
        Assert.IsTrue(tap.IsUp);
    }

    [TestMethod]
    public void TheInterfaceDisappearsWhenTheDeviceIsDisposed()
    {
        var name = UniqueInterfaceName();
        var tap = TapDevice.Open(new TapOptions { Name = name });
        try
        {
            Assert.IsTrue(Directory.Exists($"/sys/class/net/{name}"), "the interface exists while open");
        }
        finally
        {
            tap.Dispose();
        }

        Assert.IsFalse(Directory.Exists($"/sys/class/net/{name}"), "the interface is gone once disposed");
        Assert.ThrowsExactly<ObjectDisposedException>(() => tap.Read(new byte[TapDevice.MaxFrameLength]));
    }

    [TestMethod]
    public void OpeningInANamespaceCreatesTheInterfaceThereAndLeavesTheCallerWhereItWas()
    {
        var before = new FileInfo("/proc/self/ns/net").LinkTarget;
        var network = NewNamespace();
        var mac = PhysicalAddress.Parse("02-11-22-33-44-55");
        var tap = Track(TapDevice.Open(new TapOptions { Name = UniqueInterfaceName(), MacAddress = mac, Mtu = 1280, NetworkNamespace = network.Name }));

        Assert.AreEqual(before, new FileInfo("/proc/self/ns/net").LinkTarget, "the process stays in its namespace");
        Assert.AreEqual(before, new FileInfo("/proc/thread-self/ns/net").LinkTarget, "the calling thread stays in its namespace");
        Assert.IsFalse(Directory.Exists($"/sys/class/net/{tap.Name}"), "the interface is not in the host namespace");
        Assert.AreEqual(network.Name, tap.NetworkNamespace);

        var inside = network.Execute("cat", $"/sys/class/net/{tap.Name}/address", $"/sys/class/net/{tap.Name}/mtu");
        Assert.IsTrue(inside.Succeeded, inside.StandardError);
        Assert.AreEqual("02:11:22:33:44:55\n1280\n", inside.StandardOutput);

        // The control socket was born in the namespace too, so later ioctls find the interface there.
        tap.SetMtu(1300);
        Assert.AreEqual("1300\n", network.Execute("cat", $"/sys/class/net/{tap.Name}/mtu").StandardOutput);
    }

    [TestMethod]
    public async Task NoThreadOfTheProcessStaysInTheGuestNamespace()
    {
        var host = new FileInfo("/proc/self/ns/net").LinkTarget;
        var network = NewNamespace();
        var tap = Track(TapDevice.Open(new TapOptions { Name = UniqueInterfaceName(), NetworkNamespace = network.Name }));
        using var cancel = new CancellationTokenSource(100);
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await tap.ReadAsync(new byte[TapDevice.MaxFrameLength], cancel.Token));

        var strays = Directory.GetDirectories("/proc/self/task")
            .Select(task => (Task: Path.GetFileName(task), Namespace: TryLinkTarget($"{task}/ns/net")))
            .Where(t => t.Namespace is not null && t.Namespace != host)
            .ToList();
        Assert.IsEmpty(strays, $"threads in another namespace: {string.Join(", ", strays)}");
    }

    [TestMethod]
    public void OpeningInANamespaceThatDoesNotExistFails()
    {
        var failure = Assert.ThrowsExactly<Win32Exception>(() => TapDevice.Open(new TapOptions { NetworkNamespace = "ptaptest-missing-" + UniqueInterfaceName() }));
        Assert.AreEqual(2, failure.NativeErrorCode, "ENOENT");
    }

    [TestMethod]
    public void ASecondOpenOfTheSameNameAddsAQueueOnlyWhenMultiQueue()
    {
        var name = UniqueInterfaceName();
        var first = Track(TapDevice.Open(new TapOptions { Name = name, MultiQueue = true }));
        var second = Track(TapDevice.Open(new TapOptions { Name = name, MultiQueue = true }));
        Assert.AreEqual(first.Name, second.Name);
        Assert.AreEqual(first.InterfaceIndex, second.InterfaceIndex);

        var single = UniqueInterfaceName();
        Track(TapDevice.Open(new TapOptions { Name = single }));
        var busy = Assert.ThrowsExactly<Win32Exception>(() => TapDevice.Open(new TapOptions { Name = single }));
        Assert.AreEqual(16, busy.NativeErrorCode, "EBUSY");
    }

    [TestMethod]
    public void SegmentationWithoutChecksumOffloadIsRefused()
    {
        var tap = Track(TapDevice.Open(new TapOptions { Name = UniqueInterfaceName(), Offloads = TapOffloads.Standard }));
        Assert.ThrowsExactly<ArgumentException>(() => tap.SetOffloads(TapOffloads.Tso4));
        Assert.AreEqual(TapOffloads.Standard, tap.Offloads, "a refused change leaves the offloads as they were");
        tap.SetOffloads(TapOffloads.None);
        Assert.AreEqual(TapOffloads.None, tap.Offloads);
    }

    private static string? TryLinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string ReadSys(string name, string attribute) => File.ReadAllText($"/sys/class/net/{name}/{attribute}").Trim();
}
