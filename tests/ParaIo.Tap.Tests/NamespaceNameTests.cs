using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.Namespaces;

namespace ParaIo.Tap.Tests;

/// <summary>A namespace name is a file name under /var/run/netns, never a path out of it.</summary>
[TestClass]
public sealed class NamespaceNameTests
{
    [TestMethod]
    public void ANameMapsToItsBindMount() => Assert.AreEqual("/var/run/netns/guest-web", NetworkNamespace.PathOf("guest-web"));

    [TestMethod]
    [DataRow("../etc")]
    [DataRow("a/b")]
    [DataRow("..")]
    [DataRow("")]
    public void ANameThatIsAPathIsRefused(string name) => Assert.ThrowsExactly<ArgumentException>(() => NetworkNamespace.PathOf(name));
}
