using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Domains;

namespace ParaIo.Backend.Tests;

[TestClass]
public sealed class DomainRegistryTests
{
    private string _directory = null!;

    private string StateFile => Path.Combine(_directory, "domains.json");

    [TestInitialize]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("paraio-registry-").FullName;

    [TestCleanup]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [TestMethod]
    public void DomainsSurviveARestartWithTheirIdsTokensAndDevices()
    {
        var first = new DomainRegistry(StateFile);
        var web = first.Create("web", [new DeviceSpec("loop", 0), new DeviceSpec("loop", 1)]);

        var second = new DomainRegistry(StateFile);

        var again = second.Find("web");
        Assert.IsNotNull(again);
        Assert.AreEqual(web.DomainId, again.DomainId);
        Assert.AreEqual(web.Token, again.Token);
        CollectionAssert.AreEqual(web.Devices.ToArray(), again.Devices.ToArray());
    }

    [TestMethod]
    public void TheStateFileIsReadableByItsOwnerOnly()
    {
        new DomainRegistry(StateFile).Create("web", []);

        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StateFile), "it holds every guest's token");
    }

    [TestMethod]
    public void IdsAreTheLowestFreeAndARemovedIdWaitsForItsRelease()
    {
        var registry = new DomainRegistry(null);
        var a = registry.Create("a", []);
        var b = registry.Create("b", []);
        Assert.AreEqual(1, a.DomainId);
        Assert.AreEqual(2, b.DomainId);

        registry.Remove("a");
        Assert.AreEqual(3, registry.Create("c", []).DomainId, "id 1 is still being torn down");

        registry.Release(1);
        Assert.AreEqual(1, registry.Create("d", []).DomainId);
    }

    [TestMethod]
    public void OnlyTheRightTokenAuthenticates()
    {
        var registry = new DomainRegistry(null);
        var web = registry.Create("web", []);

        Assert.AreEqual(web, registry.Authenticate("web", web.Token));
        Assert.IsNull(registry.Authenticate("web", web.Token[..^1]));
        Assert.IsNull(registry.Authenticate("web", web.Token + "0"));
        Assert.IsNull(registry.Authenticate("web", ""));
        Assert.IsNull(registry.Authenticate("nobody", web.Token));
        Assert.AreNotEqual(web.Token, registry.Create("other", []).Token);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("dom0")]
    [DataRow("has space")]
    [DataRow("slash/name")]
    public void BadNamesAreRefused(string name)
    {
        var registry = new DomainRegistry(null);

        Assert.ThrowsExactly<ArgumentException>(() => registry.Create(name, []));
    }

    [TestMethod]
    public void ANameIsTakenOnceAndADeviceListedTwiceIsRefused()
    {
        var registry = new DomainRegistry(null);
        registry.Create("web", []);

        Assert.ThrowsExactly<ArgumentException>(() => registry.Create("web", []));
        Assert.ThrowsExactly<ArgumentException>(() => registry.Create("twice", [new DeviceSpec("loop", 0), new DeviceSpec("loop", 0)]));
    }

    [TestMethod]
    [DataRow("loop", "loop", 7)]
    [DataRow("loop:3", "loop", 3)]
    [DataRow("vif:0", "vif", 0)]
    public void DeviceSpecsParse(string text, string type, int id)
    {
        Assert.AreEqual(new DeviceSpec(type, id), DeviceSpec.Parse(text, defaultId: 7));
    }

    [TestMethod]
    [DataRow("Loop")]
    [DataRow("loop:")]
    [DataRow("loop:-1")]
    [DataRow("loop:10000")]
    [DataRow(":1")]
    public void BadDeviceSpecsAreRefused(string text)
    {
        Assert.ThrowsExactly<ArgumentException>(() => DeviceSpec.Parse(text, 0));
    }
}
