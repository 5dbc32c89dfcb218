using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Devices;

namespace ParaIo.Backend.Tests;

/// <summary>The backend parses every number a frontend publishes, once, and bounds it.</summary>
[TestClass]
public sealed class FrontendKeysTests
{
    private static FrontendKeys Keys(params (string Key, string Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => v.Value));

    [TestMethod]
    public void AOnePageRingOfferParses()
    {
        var offer = Keys(("ring-ref", "12"), ("event-channel", "3"), ("event-channel-response", "4")).GetRingOffer(maxPageOrder: 2);

        Assert.AreEqual(1, offer.RingRefs.Length);
        Assert.AreEqual(12u, offer.RingRefs[0].Value);
        Assert.AreEqual(3u, offer.RequestPort);
        Assert.AreEqual(4u, offer.ResponsePort);
    }

    [TestMethod]
    public void AMultiPageRingUsesNumberedRefs()
    {
        var offer = Keys(("ring-page-order", "1"), ("ring-ref0", "8"), ("ring-ref1", "9"), ("event-channel", "0"), ("event-channel-response", "1")).GetRingOffer(maxPageOrder: 2);

        CollectionAssert.AreEqual(new uint[] { 8, 9 }, offer.RingRefs.Select(r => r.Value).ToArray());
    }

    [TestMethod]
    [DataRow("ring-page-order", "3", "ring-page-order")]
    [DataRow("ring-page-order", "-1", "ring-page-order")]
    [DataRow("ring-ref", "0", "ring-ref")]
    [DataRow("ring-ref", "99999999999", "ring-ref")]
    [DataRow("ring-ref", " 5", "ring-ref")]
    [DataRow("event-channel", "65536", "event-channel")]
    [DataRow("event-channel-response", "x", "event-channel-response")]
    public void AnOutOfBoundsValueIsRefusedNamingTheKey(string key, string value, string named)
    {
        var values = new Dictionary<string, string> { ["ring-ref"] = "12", ["event-channel"] = "3", ["event-channel-response"] = "4" };
        values[key] = value;

        var refused = Assert.ThrowsExactly<DeviceRejectedException>(() => new FrontendKeys(values).GetRingOffer(maxPageOrder: 2));
        StringAssert.Contains(refused.Message, $"'{named}'");
    }

    [TestMethod]
    public void AMissingKeyIsRefused()
    {
        var refused = Assert.ThrowsExactly<DeviceRejectedException>(() => Keys(("ring-ref", "12"), ("event-channel", "3")).GetRingOffer(2));
        StringAssert.Contains(refused.Message, "did not publish 'event-channel-response'");
    }
}
