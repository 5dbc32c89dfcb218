using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Net;
using ParaIo.Protocol.Net;

namespace ParaIo.Net.Tests;

/// <summary>
/// A raw frontend writes malformed tx requests: each is dropped with ERROR and counted, or — the
/// cases Linux's netback calls malicious — stops that vif with a reason; meanwhile two honest
/// guests on the same bridge keep talking. The checks must also catch a broken backend.
/// </summary>
[TestClass]
public sealed class HostileTxTests
{
    private static readonly byte[] Payload = Frames.Build(MacAddress.Broadcast, Frames.Mac(66), 3000, 1);

    public static IEnumerable<object[]> MalformedCases =>
    [
        ["too short", NetTxMalformed.TooShort],
        ["slot larger than the rest", NetTxMalformed.SlotSize],
        ["19 slots", NetTxMalformed.TooManySlots],
        ["bad gref", NetTxMalformed.BadGrant],
        ["read-only... writable gref of another domain", NetTxMalformed.BadGrant],
    ];

    [TestMethod]
    [DynamicData(nameof(MalformedCases))]
    public async Task MalformedFrameIsDroppedAndCounted(string name, NetTxMalformed reason)
    {
        await using var rig = new NetRig();
        await CheckDroppedAsync(rig, name, reason, validate: true);
    }

    [TestMethod]
    public async Task BrokenControlIsCaught()
    {
        // The same checks against a backend with its tx validation switched off must fail: the
        // assertions above can tell a dropping backend from one that forwards garbage.
        foreach (var (name, reason) in new[] { ("too short", NetTxMalformed.TooShort), ("slot larger than the rest", NetTxMalformed.SlotSize), ("19 slots", NetTxMalformed.TooManySlots) })
        {
            await using var rig = new NetRig();
            await Assert.ThrowsAsync<AssertFailedException>(() => CheckDroppedAsync(rig, name, reason, validate: false), name);
        }
    }

    public static IEnumerable<object[]> FatalCases =>
    [
        ["21 slots", "more than 20 slots"],
        ["slot across its page", "crosses its page"],
        ["first slot across its page", "first slot crosses"],
        ["frame published in part", "more_data past req_prod"],
        ["bad GSO type", "bad GSO type"],
        ["zero GSO size", "GSO size must not be zero"],
        ["bad extra type", "invalid extra-info type"],
        ["missing extra info", "missing extra info"],
        ["tx req_prod overrun", "req_prod"],
        ["rx req_prod overrun", "req_prod"],
    ];

    [TestMethod]
    [DynamicData(nameof(FatalCases))]
    public async Task MaliciousFrontendIsDisconnectedWithAReason(string name, string reason)
    {
        await using var rig = new NetRig();
        var one = rig.Connect(1);
        var two = rig.Connect(2);
        var (raw, back) = rig.ConnectRaw(3, persistent: name.Contains("page", StringComparison.Ordinal));
        Write(raw, name);
        if (name == "rx req_prod overrun")
        {
            raw.SetRxRequestProducer(1000);
            one.Front.Send(Frames.Build(MacAddress.Broadcast, one.Mac, 60, 9)); // a delivery finds the lie
            two.Next();
        }

        await back.Stopped.Within();
        StringAssert.Contains(back.FailureReason, reason, name);
        Assert.IsNotNull(back.FailureReason);
        StringAssert.StartsWith(back.FailureReason, name.StartsWith("tx req", StringComparison.Ordinal) || name.StartsWith("rx", StringComparison.Ordinal) ? "req_prod" : "protocol violation", name);
        HonestPairCarriesOn(one, two);
        Assert.IsNull(one.Back.FailureReason);
        Assert.IsNull(two.Back.FailureReason);
    }

    [TestMethod]
    public async Task GarbageFloodNeverCrashesOrHangsTheBackend()
    {
        // Fuzz-like: random slots (flags, sizes, offsets, grefs, extra infos) in random batches.
        for (var seed = 0; seed < 20; seed++)
        {
            await using var rig = new NetRig();
            var one = rig.Connect(1);
            var two = rig.Connect(2);
            var (raw, back) = rig.ConnectRaw(3);
            var random = new Random(seed);
            var page = raw.GrantPage(Payload);
            for (var batch = 0; batch < 10 && back.FailureReason is null; batch++)
            {
                var n = random.Next(1, 40);
                for (var i = 0; i < n && raw.Tx.Ring.FreeRequests > 0; i++)
                {
                    raw.Write(new NetifTxRequest
                    {
                        Gref = random.Next(4) == 0 ? (uint)random.Next(5000) : page.Value,
                        Offset = (ushort)random.Next(random.Next(2) == 0 ? 64 : 4200),
                        Flags = (NetTxFlags)random.Next(16),
                        Id = (ushort)i,
                        Size = (ushort)random.Next(random.Next(2) == 0 ? 200 : 65536),
                    });
                }

                raw.Push();
                Waits.Until(() => back.FailureReason is not null || raw.Tx.Ring.Outstanding == 0 || raw.Tx.Ring.UnconsumedResponses > 0, TimeSpan.FromMilliseconds(200));
                while (raw.Tx.Ring.TryTakeResponse(out _))
                {
                }
            }

            HonestPairCarriesOn(one, two);
            if (back.FailureReason is not null)
            {
                StringAssert.Contains(back.FailureReason, "violation");
            }

            await rig.DisconnectAsync(back); // a clean stop: nothing hangs, everything unmaps
            Assert.AreEqual(0, rig.GuestOf(3).Mapper.MappedCount);
        }
    }

    private static async Task CheckDroppedAsync(NetRig rig, string name, NetTxMalformed reason, bool validate)
    {
        var one = rig.Connect(1);
        var two = rig.Connect(2);
        var tap = rig.AddCapture("tap");
        var (raw, back) = rig.ConnectRaw(3);
        back.ValidateTx = validate;
        var slots = Write(raw, name);
        var first = raw.Receive();
        Assert.AreEqual(NetifStatus.Error, first.Status, name);
        for (var i = 1; i < slots; i++)
        {
            Assert.AreEqual(NetifStatus.Error, raw.Receive().Status, $"{name}: slot {i}");
        }

        Assert.AreEqual(1, back.Counters.Malformed(reason), name);
        Assert.AreEqual(0, back.Counters.TxFrames, name);
        Assert.IsNull(back.FailureReason, name);

        // The vif carries on: a good frame from it still goes through.
        var good = raw.GrantPage(Payload);
        raw.Write(new NetifTxRequest { Gref = good.Value, Size = (ushort)Payload.Length, Id = 99 });
        raw.Push();
        var answer = raw.Receive();
        Assert.AreEqual(NetifStatus.Okay, answer.Status);
        Assert.AreEqual((ushort)99, answer.Id);
        Assert.IsTrue(Waits.Until(() => tap.Received.Count == 1), name);
        tap.Received.TryDequeue(out var seen);
        CollectionAssert.AreEqual(Payload, seen.Bytes, name);
        HonestPairCarriesOn(one, two);
        await Task.CompletedTask;
    }

    /// <summary>Writes the hostile requests of <paramref name="name"/> and pushes; returns the data slots written.</summary>
    private static int Write(RawNetFrontend raw, string name)
    {
        var page = raw.GrantPage(Payload);
        switch (name)
        {
            case "too short":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 10, Id = 1 });
                raw.Push();
                return 1;
            case "slot larger than the rest":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 100, Flags = NetTxFlags.MoreData, Id = 1 });
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 200, Id = 2 });
                raw.Push();
                return 2;
            case "19 slots":
            case "21 slots":
                var count = name == "19 slots" ? 19 : 21;
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = (ushort)(count * 100), Flags = NetTxFlags.MoreData, Id = 0 });
                for (var i = 1; i < count; i++)
                {
                    raw.Write(new NetifTxRequest { Gref = page.Value, Size = 100, Flags = i + 1 < count ? NetTxFlags.MoreData : 0, Id = (ushort)i });
                }

                raw.Push();
                return count;
            case "bad gref":
                raw.Write(new NetifTxRequest { Gref = 4000, Size = 100, Id = 1 });
                raw.Push();
                return 1;
            case "read-only... writable gref of another domain":
                raw.Write(new NetifTxRequest { Gref = 0, Size = 100, Id = 1 });
                raw.Push();
                return 1;
            case "slot across its page":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 300, Flags = NetTxFlags.MoreData, Id = 1 });
                raw.Write(new NetifTxRequest { Gref = page.Value, Offset = 4000, Size = 200, Id = 2 });
                raw.Push();
                return 2;
            case "first slot across its page":
                raw.Write(new NetifTxRequest { Gref = page.Value, Offset = 4000, Size = 200, Id = 1 });
                raw.Push();
                return 1;
            case "frame published in part":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 300, Flags = NetTxFlags.MoreData, Id = 1 });
                raw.Push();
                return 1;
            case "bad GSO type":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 300, Flags = NetTxFlags.ExtraInfo, Id = 1 });
                raw.WriteExtra(new NetifExtraInfo { Type = NetifExtraType.Gso, GsoType = (NetifGsoType)7, GsoSize = 1400 });
                raw.Push();
                return 1;
            case "zero GSO size":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 300, Flags = NetTxFlags.ExtraInfo, Id = 1 });
                raw.WriteExtra(NetifExtraInfo.Gso(NetifGsoType.TcpV4, 0));
                raw.Push();
                return 1;
            case "bad extra type":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 300, Flags = NetTxFlags.ExtraInfo, Id = 1 });
                raw.WriteExtra(new NetifExtraInfo { Type = (NetifExtraType)9 });
                raw.Push();
                return 1;
            case "missing extra info":
                raw.Write(new NetifTxRequest { Gref = page.Value, Size = 300, Flags = NetTxFlags.ExtraInfo, Id = 1 });
                raw.Push();
                return 1;
            case "tx req_prod overrun":
                raw.SetRequestProducer(raw.Tx.Ring.RequestProducer + 300);
                raw.Tx.Requests.Notify();
                return 0;
            case "rx req_prod overrun":
                return 0;
            default:
                throw new ArgumentException(name);
        }
    }

    private static void HonestPairCarriesOn(Vif one, Vif two)
    {
        var frame = Frames.Build(two.Mac, one.Mac, 9000, 77);
        one.Front.Send(frame);
        // Skip what the hostile guest flooded meanwhile; the honest frame must arrive intact.
        Received got;
        do
        {
            got = two.Next();
        }
        while (MacAddress.Read(got.Bytes.AsSpan(6)) != one.Mac);
        CollectionAssert.AreEqual(frame, got.Bytes, "the other guests' traffic carries on");
    }
}
