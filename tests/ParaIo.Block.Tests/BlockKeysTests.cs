using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Block;
using ParaIo.Backend.Devices;
using ParaIo.Frontend.Block;
using ParaIo.Frontend.Devices;
using ParaIo.Protocol.Block;

namespace ParaIo.Block.Tests;

/// <summary>What each end writes to the store and how the other reads it.</summary>
[TestClass]
public sealed class BlockKeysTests
{
    [TestMethod]
    public void TheDriverAdvertisesItsFeatures()
    {
        var driver = new BlockBackendDriver(_ => null);

        Assert.AreEqual("vbd", driver.DeviceType);
        Assert.AreEqual("4", driver.Features[BlockKeys.MaxRingPageOrder]);
        Assert.AreEqual("1", driver.Features[BlockKeys.FeatureFlushCache]);
        Assert.AreEqual("1", driver.Features[BlockKeys.FeaturePersistent], "grants are kept mapped for a frontend that asks");
        Assert.AreEqual("0", new BlockBackendDriver(_ => null, new BlockBackendOptions { MaxPersistentGrants = 0 }).Features[BlockKeys.FeaturePersistent], "no grants kept, no persistence offered");
        Assert.AreEqual("256", driver.Features[BlockKeys.FeatureMaxIndirectSegments]);
    }

    [TestMethod]
    public void WithoutIndirectTheKeyIsAbsent()
    {
        var driver = new BlockBackendDriver(_ => null, new BlockBackendOptions { MaxIndirectSegments = 0 });

        Assert.IsFalse(driver.Features.ContainsKey(BlockKeys.FeatureMaxIndirectSegments), "Xen: a backend without INDIRECT must not create the key");
    }

    [TestMethod]
    public async Task DeviceKeysDescribeTheLun()
    {
        await using var rig = new BlockRig();
        var writable = rig.CreateLun(3 << 20, name: "w.img");
        rig.CreateLun(1 << 20, name: "r.img").Dispose();
        var readOnly = rig.OpenLun("r.img", new FileLunOptions { ReadOnly = true });
        var driver = new BlockBackendDriver(_ => null);

        var w = driver.DeviceKeys(writable);
        var r = driver.DeviceKeys(readOnly);

        Assert.AreEqual("6144", w[BlockKeys.Sectors]);
        Assert.AreEqual("512", w[BlockKeys.SectorSize]);
        Assert.AreEqual("4096", w[BlockKeys.PhysicalSectorSize]);
        Assert.AreEqual("0", w[BlockKeys.Info]);
        Assert.AreEqual("w", w[BlockKeys.Mode]);
        Assert.AreEqual("1", w[BlockKeys.FeatureDiscard]);
        Assert.AreEqual("512", w[BlockKeys.DiscardGranularity]);
        Assert.AreEqual("4", r[BlockKeys.Info]);
        Assert.AreEqual("r", r[BlockKeys.Mode]);
        Assert.AreEqual("0", r[BlockKeys.FeatureDiscard]);
        Assert.AreEqual("256", r[BlockKeys.FeatureMaxIndirectSegments], "the driver's features are included");

        var info = BlockBackendInfo.Parse(r);
        Assert.IsTrue(info.IsReadOnly);
        Assert.AreEqual(2048, info.Sectors);
        Assert.AreEqual(256, info.MaxIndirectSegments);
        Assert.AreEqual(4, info.MaxRingPageOrder);
        Assert.IsFalse(info.Discard);
        Assert.IsTrue(info.FlushCache);
    }

    [TestMethod]
    public void AbsentKeysTakeXensDefaults()
    {
        var info = BlockBackendInfo.Parse(new Dictionary<string, string>());

        Assert.AreEqual(new BlockBackendInfo(-1, 512, VdiskInfo.None, false, false, 0, 0), info);
    }

    [TestMethod]
    [DataRow(BlockKeys.SectorSize, "4096")]
    [DataRow(BlockKeys.Sectors, "-1")]
    [DataRow(BlockKeys.FeatureFlushCache, "2")]
    [DataRow(BlockKeys.FeatureMaxIndirectSegments, "5000")]
    [DataRow(BlockKeys.MaxRingPageOrder, "x")]
    public void TheFrontendRefusesMalformedBackendKeys(string key, string value)
    {
        var exception = Assert.ThrowsExactly<InvalidDataException>(() => BlockBackendInfo.Parse(new Dictionary<string, string> { [key] = value }));
        StringAssert.Contains(exception.Message, key);
    }

    [TestMethod]
    public async Task AMultiPageRingIsPublishedAndServed()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(1 << 20), frontend: new BlockFrontendOptions { RingPageOrder = 2 });

        var keys = front.PublishedKeys;
        Assert.AreEqual("2", keys[BlockKeys.RingPageOrder]);
        Assert.IsTrue(keys.ContainsKey("ring-ref0") && keys.ContainsKey("ring-ref3") && !keys.ContainsKey("ring-ref"));
        Assert.AreEqual("1", keys[BlockKeys.FeaturePersistent], "the backend offered persistent grants");
        Assert.AreEqual(128, front.QueueDepth);
        await DataIntegrityTests.WriteThenReadBackAsync(rig, front, 0, 4096, 1);
        Assert.AreEqual(1, back.Counters.Writes);
    }

    [TestMethod]
    public async Task TheRingIsNoLargerThanTheBackendAllows()
    {
        await using var rig = new BlockRig();
        var (front, _) = await rig.ConnectAsync(rig.CreateLun(1 << 20), new BlockBackendOptions { MaxRingPageOrder = 1 }, new BlockFrontendOptions { RingPageOrder = 4 });

        Assert.AreEqual(1, front.Queue.Offer.PageOrder);
    }

    [TestMethod]
    public async Task TheBackendRefusesSeveralQueuesAndDevicesWithoutALun()
    {
        await using var rig = new BlockRig();
        var lun = rig.CreateLun(1 << 20);
        var raw = new RawFrontend(rig.Guest);
        var keys = new Dictionary<string, string>(raw.Keys) { [BlockKeys.MultiQueueNumQueues] = "2" };
        var address = new DeviceAddress(BlockRig.GuestDomain, "vbd", 0);

        await Assert.ThrowsExactlyAsync<DeviceRejectedException>(() =>
            new BlockBackendDriver(_ => lun).ConnectAsync(new BackendConnectContext(address, rig.Mapper, new FrontendKeys(keys), NullLogger.Instance), CancellationToken.None));
        await Assert.ThrowsExactlyAsync<DeviceRejectedException>(() =>
            new BlockBackendDriver(_ => null).ConnectAsync(new BackendConnectContext(address, rig.Mapper, new FrontendKeys(raw.Keys), NullLogger.Instance), CancellationToken.None));
        Assert.AreEqual(0, rig.Mapper.MappedCount, "a refused device leaves nothing mapped");
        raw.Dispose();
    }

    [TestMethod]
    public async Task TheFrontendDriverIsAFrontendDriver()
    {
        await using var rig = new BlockRig();
        IFrontendDriver driver = new BlockFrontendDriver();
        var lun = rig.CreateLun(1 << 20);

        using var device = driver.Connect(new FrontendConnectContext("vbd", 0, rig.Guest, new BlockBackendDriver(_ => lun).DeviceKeys(lun)));

        Assert.IsInstanceOfType<BlockFrontDevice>(device);
        Assert.AreEqual("vbd", driver.DeviceType);
    }

    [TestMethod]
    public async Task CountersReachTheParaIoMeter()
    {
        await using var rig = new BlockRig();
        var (front, back) = await rig.ConnectAsync(rig.CreateLun(1 << 20));
        await DataIntegrityTests.WriteThenReadBackAsync(rig, front, 0, 8192, 1);
        var seen = new List<(string Instrument, long Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ParaIo" && instrument.Name.StartsWith("paraio.blk.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
            lock (seen)
            {
                seen.Add((instrument.Name, value, text));
            }
        });
        listener.Start();

        listener.RecordObservableInstruments();

        var device = back.Address.ToString();
        Assert.Contains(("paraio.blk.requests", 1L, $"device={device},op=read"), seen);
        Assert.Contains(("paraio.blk.requests", 1L, $"device={device},op=write"), seen);
        Assert.Contains(("paraio.blk.bytes", 8192L, $"device={device},direction=read"), seen);
        Assert.Contains(("paraio.blk.errors", 0L, $"device={device},reason=OutOfRange"), seen);
    }
}
