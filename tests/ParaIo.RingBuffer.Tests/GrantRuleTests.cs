using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.RingBuffer.Tests;

/// <summary>
/// Every rule the backend's grant mapper enforces, each broken on purpose: the map is refused with
/// the rule's <see cref="GrantError"/>, a message naming the grant and the rule, and no busy bit or
/// mapping left behind. One process plays both sides: the guest owns the pool, the backend attaches
/// a duplicate of its memfd, as paraiod does after the handoff.
/// </summary>
[TestClass]
public sealed unsafe class GrantRuleTests
{
    private const ushort GuestDomain = 1;
    private const ushort BackendDomain = 0;

    private GuestMemory _guest = null!;
    private GrantPool _backendPool = null!;
    private GrantMapper _mapper = null!;

    [TestInitialize]
    public void SetUp()
    {
        _guest = GuestMemory.Create(64, GuestDomain);
        _backendPool = AttachBackendView(_guest.Pool);
        _mapper = new GrantMapper(_backendPool, BackendDomain, GuestDomain);
    }

    [TestCleanup]
    public void TearDown()
    {
        _backendPool.Dispose();
        _guest.Dispose();
    }

    [TestMethod]
    public void GrantToAnotherDomainIsRefusedAsWrongDomain()
    {
        var grant = Grant(toDomain: 5);

        AssertRefused(grant, GrantAccess.Read, GrantError.WrongDomain, "is granted to domain 5, not to domain 0");
        AssertRefused(grant, GrantAccess.Write, GrantError.WrongDomain, "is granted to domain 5, not to domain 0");
        Assert.IsFalse(_guest.Grants.IsMapped(grant));
    }

    [TestMethod]
    public void ReadOnlyGrantRefusesAWriteMappingAndAllowsARead()
    {
        var page = _guest.Pages.Allocate();
        _guest.Pool.GetPage(page)[100] = 0xA5;
        var grant = _guest.Grants.GrantAccess(BackendDomain, page, readOnly: true);

        AssertRefused(grant, GrantAccess.Write, GrantError.ReadOnly, "is read-only; a write mapping was refused");

        var mapping = _mapper.Map(grant, GrantAccess.Read);
        Assert.IsTrue(mapping.IsValid);
        Assert.AreEqual((uint)page, mapping.Page);
        Assert.AreEqual((byte)0xA5, mapping.ReadOnlySpan[100]);
        Assert.AreEqual(GrantFlags.Reading, BusyBits(grant));
        _mapper.Unmap(mapping);
    }

    [TestMethod]
    public void ReferencesOutsideTheTableAndTheReservedReferenceAreOutOfRange()
    {
        var entries = (uint)_guest.Pool.Geometry.GrantEntries;
        foreach (var gref in new[] { 0u, entries, entries + 1, uint.MaxValue })
        {
            AssertRefused(new GrantRef(gref), GrantAccess.Read, GrantError.OutOfRange, $"is out of range (the table holds grants 1..{entries - 1})");
        }

        // The guest's own table refuses them as well.
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _guest.Grants.EndAccess(GrantRef.Invalid));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _guest.Grants.IsMapped(new GrantRef(entries)));
    }

    [TestMethod]
    public void NeverGrantedAndRevokedEntriesAreNotPermitted()
    {
        AssertRefused(new GrantRef(100), GrantAccess.Read, GrantError.NotPermitted, "does not permit access");

        var grant = Grant();
        _mapper.Unmap(_mapper.Map(grant, GrantAccess.Write));
        _guest.Grants.EndAccess(grant);

        AssertRefused(grant, GrantAccess.Read, GrantError.NotPermitted, "does not permit access");
        AssertRefused(grant, GrantAccess.Write, GrantError.NotPermitted, "does not permit access");
    }

    [TestMethod]
    public void HostileEntryNamingAPageOutsideTheDataPagesIsBadPageAndLeavesNoBusyBit()
    {
        var geometry = _backendPool.Geometry;
        var gref = new GrantRef(7);
        foreach (var page in new[] { 0u, 1u, (uint)geometry.FirstDataPage - 1, (uint)geometry.PageCount, uint.MaxValue })
        {
            // A hostile guest writes its own entry: permit access to the backend, for a metadata page or
            // a page past the end of the pool. Written through the backend's view of the shared pool.
            WriteEntryByHand(_backendPool, gref, GrantFlags.PermitAccess, BackendDomain, page);

            foreach (var access in new[] { GrantAccess.Read, GrantAccess.Write })
            {
                AssertRefused(gref, access, GrantError.BadPage, $"names a page outside the pool's data pages {geometry.FirstDataPage}..{geometry.PageCount - 1}");
                Assert.AreEqual(GrantFlags.None, BusyBits(gref), $"a refused map of page {page} left a busy bit set");
            }
        }
    }

    [TestMethod]
    public void RefusedBadPageMapKeepsTheBusyBitOfAnEarlierMappingAndAddsNone()
    {
        var gref = new GrantRef(9);
        var page = (uint)_guest.Pages.Allocate();
        WriteEntryByHand(_backendPool, gref, GrantFlags.PermitAccess, BackendDomain, page);
        var read = _mapper.Map(gref, GrantAccess.Read);

        // The guest moves the entry to the pool header while the backend still reads the old page.
        WriteEntryByHand(_backendPool, gref, GrantFlags.PermitAccess | GrantFlags.Reading, BackendDomain, 0);
        AssertRefused(gref, GrantAccess.Write, GrantError.BadPage, "outside the pool's data pages", expectedMapped: 1);
        Assert.AreEqual(GrantFlags.Reading, BusyBits(gref));

        _mapper.Unmap(read);
        Assert.AreEqual(GrantFlags.None, BusyBits(gref));
        Assert.AreEqual(0, _mapper.MappedCount);
    }

    [TestMethod]
    public void EntryWithUnsupportedFlagBitsIsRefused()
    {
        var page = (uint)_guest.Pages.Allocate();
        var gref = new GrantRef(11);
        // GTF_PAT, GTF_PWT, GTF_PCD, GTF_sub_page and an undefined high bit.
        foreach (var bit in new[] { 1 << 5, 1 << 6, 1 << 7, 1 << 8, 1 << 15 })
        {
            WriteEntryByHand(_backendPool, gref, GrantFlags.PermitAccess | (GrantFlags)bit, BackendDomain, page);
            AssertRefused(gref, GrantAccess.Read, GrantError.UnsupportedFlags, "carries unsupported flags");
            Assert.AreEqual(GrantFlags.None, BusyBits(gref));
        }

        // GTF_accept_transfer and GTF_transfer_completed are entry types ParaIo does not permit.
        foreach (var type in new[] { (GrantFlags)2, GrantFlags.TypeMask })
        {
            WriteEntryByHand(_backendPool, gref, type, BackendDomain, page);
            AssertRefused(gref, GrantAccess.Read, GrantError.NotPermitted, "does not permit access");
        }
    }

    [TestMethod]
    public void EndAccessFailsWhileMappedAndSucceedsAfterUnmap()
    {
        var grant = Grant();
        var mapping = _mapper.Map(grant, GrantAccess.Write);

        Assert.IsFalse(_guest.Grants.TryEndAccess(grant));
        var refused = Assert.ThrowsExactly<GrantAccessException>(() => _guest.Grants.EndAccess(grant));
        Assert.AreEqual(GrantError.StillMapped, refused.Error);
        Assert.AreEqual(grant, refused.Grant);
        Assert.Contains($"Grant {grant.Value} of domain {GuestDomain}", refused.Message);
        Assert.Contains("still mapped", refused.Message);
        // The failed attempts left the grant in place: the backend can still map it.
        _mapper.Unmap(_mapper.Map(grant, GrantAccess.Read));

        _mapper.Unmap(mapping);
        Assert.IsTrue(_guest.Grants.TryEndAccess(grant));
        AssertRefused(grant, GrantAccess.Read, GrantError.NotPermitted, "does not permit access");
    }

    [TestMethod]
    public void MappingsOfABackendThatDiedAreClearedByTheGuestAndOnlyThose()
    {
        var held = Grant();
        var writable = Grant();
        var idle = Grant();
        // A backend maps two grants and dies without unmapping: its mapper is simply abandoned.
        _mapper.Map(held, GrantAccess.Read);
        _mapper.Map(writable, GrantAccess.Write);
        Assert.IsFalse(_guest.Grants.TryEndAccess(held));

        Assert.AreEqual(2, _guest.Grants.ClearStaleMappings());

        Assert.AreEqual(GrantFlags.None, BusyBits(held));
        Assert.AreEqual(GrantFlags.None, BusyBits(writable));
        // The grants themselves stay: a new backend may map them again, and the guest may end them.
        using var nextPool = AttachBackendView(_guest.Pool);
        var next = new GrantMapper(nextPool, BackendDomain, GuestDomain);
        next.Unmap(next.Map(writable, GrantAccess.Write));
        Assert.IsTrue(_guest.Grants.TryEndAccess(held));
        Assert.IsTrue(_guest.Grants.TryEndAccess(writable));
        Assert.IsTrue(_guest.Grants.TryEndAccess(idle));
        Assert.AreEqual(0, _guest.Grants.ClearStaleMappings());
    }

    [TestMethod]
    public void BusyBitStaysUntilTheLastOfTwoMappingsIsUnmapped()
    {
        var grant = Grant();
        Assert.IsFalse(_guest.Grants.IsMapped(grant));

        var first = _mapper.Map(grant, GrantAccess.Read);
        var second = _mapper.Map(grant, GrantAccess.Read);
        Assert.AreEqual(2, _mapper.MappedCount);
        Assert.AreEqual(GrantFlags.Reading, BusyBits(grant));
        Assert.IsTrue(_guest.Grants.IsMapped(grant));

        _mapper.Unmap(first);
        Assert.AreEqual(1, _mapper.MappedCount);
        Assert.IsTrue(_guest.Grants.IsMapped(grant), "the busy bit cleared while a mapping was still live");
        Assert.IsFalse(_guest.Grants.TryEndAccess(grant));

        var writer = _mapper.Map(grant, GrantAccess.Write);
        Assert.AreEqual(GrantFlags.Busy, BusyBits(grant));
        _mapper.Unmap(second);
        Assert.AreEqual(GrantFlags.Busy, BusyBits(grant), "as in Xen, a writable mapping holds both bits");
        _mapper.Unmap(writer);

        Assert.AreEqual(0, _mapper.MappedCount);
        Assert.AreEqual(GrantFlags.None, BusyBits(grant));
        Assert.IsFalse(_guest.Grants.IsMapped(grant));
    }

    [TestMethod]
    public void UnmappingTwiceThrows()
    {
        var grant = Grant();
        var mapping = _mapper.Map(grant, GrantAccess.Write);
        _mapper.Unmap(mapping);

        var twice = Assert.ThrowsExactly<InvalidOperationException>(() => _mapper.Unmap(mapping));
        Assert.Contains($"Grant {grant.Value}", twice.Message);
        Assert.AreEqual(0, _mapper.MappedCount);
        Assert.ThrowsExactly<ArgumentException>(() => _mapper.Unmap(default));
    }

    [TestMethod]
    public void UnmapAllClearsEveryMappingAndBusyBit()
    {
        var grants = new[] { Grant(), Grant(), Grant() };
        _mapper.Map(grants[0], GrantAccess.Read);
        _mapper.Map(grants[0], GrantAccess.Read);
        _mapper.Map(grants[1], GrantAccess.Write);
        _mapper.Map(grants[2], GrantAccess.Read);
        _mapper.Map(grants[2], GrantAccess.Write);
        Assert.AreEqual(5, _mapper.MappedCount);

        _mapper.UnmapAll();

        Assert.AreEqual(0, _mapper.MappedCount);
        foreach (var grant in grants)
        {
            Assert.AreEqual(GrantFlags.None, BusyBits(grant));
            Assert.IsTrue(_guest.Grants.TryEndAccess(grant));
        }
    }

    [TestMethod]
    public void RingMappingsOutstandingAtUnmapAllAreSafeToDispose()
    {
        var first = _guest.Pages.Allocate(2);
        var refs = new[]
        {
            _guest.Grants.GrantAccess(BackendDomain, first, readOnly: false),
            _guest.Grants.GrantAccess(BackendDomain, first + 1, readOnly: false),
        };
        var ring = _mapper.MapRing(refs);

        // Teardown of a guest that is gone: the mapper drops everything, then the devices that
        // held ring mappings dispose them as usual.
        _mapper.UnmapAll();
        var thrown = Record(ring.Dispose);

        Assert.AreEqual(0, _mapper.MappedCount);
        AssertNothingMapped(refs);
        Assert.IsNull(thrown, "Dispose of a ring mapping after UnmapAll threw: " + thrown?.Message);
    }

    [TestMethod]
    public void DescribeOfAReferenceOutsideTheTableDoesNotReadPastIt()
    {
        // Describe is public; given a reference outside the table with any error, it must not read
        // an "entry" beyond the table (here the event channel page; further out, unmapped memory).
        var outside = new GrantRef((uint)_backendPool.Geometry.GrantEntries);

        var text = _mapper.Describe(outside, GrantAccess.Read, GrantError.NotPermitted);

        Assert.Contains("out of range", text);
    }

    [TestMethod]
    public void WritableSpanOfAReadMappingThrows()
    {
        var grant = Grant();
        var read = _mapper.Map(grant, GrantAccess.Read);
        var write = _mapper.Map(grant, GrantAccess.Write);

        var refused = Assert.ThrowsExactly<InvalidOperationException>(() => read.Span[0] = 1);
        Assert.Contains($"Grant {grant.Value} was mapped for reading", refused.Message);

        write.Span[5] = 0x3C;
        Assert.AreEqual((byte)0x3C, read.ReadOnlySpan[5]);
        _mapper.Unmap(read);
        _mapper.Unmap(write);
    }

    [TestMethod]
    public void MapRingRefusesPagesThatAreNotConsecutiveAndLeavesNothingMapped()
    {
        var first = _guest.Pages.Allocate(3);
        var refs = new[]
        {
            _guest.Grants.GrantAccess(BackendDomain, first, readOnly: false),
            _guest.Grants.GrantAccess(BackendDomain, first + 2, readOnly: false),
        };

        var refused = Assert.ThrowsExactly<GrantAccessException>(() => _mapper.MapRing(refs));
        Assert.AreEqual(GrantError.BadPage, refused.Error);
        Assert.AreEqual(refs[1], refused.Grant);
        Assert.Contains($"Ring grant {refs[1].Value}", refused.Message);
        Assert.Contains("consecutive", refused.Message);
        AssertNothingMapped(refs);

        // Consecutive pages in the wrong order are refused the same way.
        var reversed = new[]
        {
            _guest.Grants.GrantAccess(BackendDomain, first + 1, readOnly: false),
            _guest.Grants.GrantAccess(BackendDomain, first, readOnly: false),
        };
        Assert.AreEqual(GrantError.BadPage, Assert.ThrowsExactly<GrantAccessException>(() => _mapper.MapRing(reversed)).Error);
        AssertNothingMapped(reversed);
    }

    [TestMethod]
    public void MapRingRefusesAGrantItMayNotMapAndUnmapsThePagesBeforeIt()
    {
        var first = _guest.Pages.Allocate(4);
        var refs = new[]
        {
            _guest.Grants.GrantAccess(BackendDomain, first, readOnly: false),
            _guest.Grants.GrantAccess(BackendDomain, first + 1, readOnly: false),
            _guest.Grants.GrantAccess(BackendDomain, first + 2, readOnly: true),
            _guest.Grants.GrantAccess(BackendDomain, first + 3, readOnly: false),
        };

        var refused = Assert.ThrowsExactly<GrantAccessException>(() => _mapper.MapRing(refs));
        Assert.AreEqual(GrantError.ReadOnly, refused.Error);
        Assert.AreEqual(refs[2], refused.Grant);
        AssertNothingMapped(refs);
    }

    [TestMethod]
    public void MapRingRefusesAPageCountThatIsNotAPowerOfTwoUpToSixteen()
    {
        var first = _guest.Pages.Allocate(32);
        var refs = Enumerable.Range(0, 32).Select(i => _guest.Grants.GrantAccess(BackendDomain, first + i, readOnly: false)).ToArray();

        foreach (var count in new[] { 0, 3, 5, 6, 7, 9, 15, 17, 32 })
        {
            var offered = refs.AsSpan(0, count).ToArray();
            var refused = Assert.ThrowsExactly<GrantAccessException>(() => _mapper.MapRing(offered));
            Assert.AreEqual(GrantError.OutOfRange, refused.Error);
            Assert.Contains($"offered {count}", refused.Message);
            AssertNothingMapped(refs);
        }

        foreach (var count in new[] { 1, 2, 4, 8, 16 })
        {
            using var ring = _mapper.MapRing(refs.AsSpan(0, count));
            Assert.AreEqual(count, ring.PageCount);
            Assert.AreEqual(count, _mapper.MappedCount);
        }

        AssertNothingMapped(refs);
    }

    [TestMethod]
    public void FullGrantTableRefusesAnotherGrant()
    {
        using var small = GuestMemory.Create(8, GuestDomain, grantEntries: GrantEntryLayout.EntriesPerPage);
        var page = small.Pages.Allocate();
        var usable = GrantEntryLayout.EntriesPerPage - 1; // grant 0 is reserved
        var seen = new HashSet<uint>();
        for (var i = 0; i < usable; i++)
        {
            Assert.IsTrue(seen.Add(small.Grants.GrantAccess(BackendDomain, page, readOnly: true).Value));
        }

        Assert.AreEqual(0, small.Grants.FreeCount);
        Assert.IsFalse(seen.Contains(0u));
        var full = Assert.ThrowsExactly<GrantAccessException>(() => small.Grants.GrantAccess(BackendDomain, page, readOnly: true));
        Assert.AreEqual(GrantError.TableFull, full.Error);
        Assert.AreEqual(GrantRef.Invalid, full.Grant);
        Assert.Contains("no free entries", full.Message);

        small.Grants.EndAccess(new GrantRef(42));
        Assert.AreEqual(42u, small.Grants.GrantAccess(BackendDomain, page, readOnly: true).Value);
    }

    [TestMethod]
    public void EndingAccessTwiceDoesNotFreeTheReferenceTwice()
    {
        var grant = Grant();
        var freeBefore = _guest.Grants.FreeCount;
        _guest.Grants.EndAccess(grant);
        Assert.AreEqual(freeBefore + 1, _guest.Grants.FreeCount);

        var second = Record(() => _guest.Grants.EndAccess(grant));

        // Were the reference pushed on the free list twice, two live grants would share it and the
        // second would silently redirect the first one's page.
        var a = Grant();
        var b = Grant();
        Assert.AreNotEqual(a, b, $"grant {a} was handed out twice after a double end of access");
        Assert.AreEqual(freeBefore - 1, _guest.Grants.FreeCount);
        Assert.IsInstanceOfType<InvalidOperationException>(second, "ending access to a grant that is not granted must be refused");
    }

    [TestMethod]
    public void EndingAccessToANeverGrantedReferenceIsRefused()
    {
        var freeBefore = _guest.Grants.FreeCount;
        var never = new GrantRef(3000);

        var refused = Record(() => _guest.Grants.EndAccess(never));

        Assert.AreEqual(freeBefore, _guest.Grants.FreeCount, "a reference that was never granted joined the free list a second time");
        Assert.IsInstanceOfType<InvalidOperationException>(refused);
    }

    [TestMethod]
    public void RevokeNeverSucceedsWhileAMappingIsLive()
    {
        var page = _guest.Pages.Allocate();
        var table = _guest.Grants;
        var first = table.GrantAccess(BackendDomain, page, readOnly: false);

        var result = RunRevokeRace(
            _mapper,
            table,
            first,
            revoke: table.TryEndAccess,
            regrant: () => table.GrantAccess(BackendDomain, page, readOnly: false),
            stopAtFirstViolation: false,
            minimumRounds: 100_000,
            budget: TimeSpan.FromSeconds(2));

        Assert.AreEqual(0, result.Violations.Count, string.Join(Environment.NewLine, result.Violations.Take(5)));
        Assert.IsGreaterThan(0, result.Maps, "the mapper never held a mapping");
        Assert.IsGreaterThan(0, result.Revokes, "no revoke ever succeeded, so the race was not exercised");
        Assert.IsGreaterThan(0, result.RefusedRevokes, "no revoke ever met a live mapping, so the race was not exercised");
        Assert.AreEqual(0, _mapper.MappedCount);
    }

    [TestMethod]
    public void RevokeRaceHarnessCatchesARevokeThatIgnoresTheBusyBits()
    {
        var page = _guest.Pages.Allocate();
        var table = _guest.Grants;
        var grant = table.GrantAccess(BackendDomain, page, readOnly: false);
        var entry = new GrantEntry(_guest.Pool.GrantEntryPointer(grant.Value));

        // The broken control: revokes with a plain store whenever the entry permits access, busy or not.
        bool BrokenRevoke(GrantRef g)
        {
            if ((GrantEntry.FlagsOf(Volatile.Read(ref entry.FlagsAndDomain)) & GrantFlags.PermitAccess) == 0)
            {
                return false;
            }

            entry.FlagsAndDomain = 0;
            return true;
        }

        GrantRef Regrant()
        {
            Volatile.Write(ref entry.FlagsAndDomain, GrantEntry.Word(GrantFlags.PermitAccess, BackendDomain));
            return grant;
        }

        var result = RunRevokeRace(_mapper, table, grant, BrokenRevoke, Regrant, stopAtFirstViolation: true, minimumRounds: int.MaxValue, budget: TimeSpan.FromSeconds(3));

        Assert.IsGreaterThan(0, result.Violations.Count, $"the harness missed a revoke that ignores busy bits ({result.Maps} maps, {result.Revokes} revokes)");
    }

    private sealed record RaceResult(List<string> Violations, long Maps, long Revokes, long RefusedRevokes);

    /// <summary>
    /// One thread maps and unmaps the current grant, holding each mapping for a moment and checking
    /// while it holds it that the guest sees the grant busy and the mapper counts one mapping; the
    /// other thread revokes and re-grants. A revoke that succeeds while the mapper thread holds a
    /// mapping is a violation: once revoked, no new map can succeed until the re-grant, so a
    /// mapping live after the revoke was live at the revoke.
    /// </summary>
    private static RaceResult RunRevokeRace(
        GrantMapper mapper,
        GrantTable table,
        GrantRef first,
        Func<GrantRef, bool> revoke,
        Func<GrantRef> regrant,
        bool stopAtFirstViolation,
        int minimumRounds,
        TimeSpan budget)
    {
        var violations = new List<string>();
        var current = (int)first.Value;
        var live = 0;
        var stop = 0;
        long maps = 0;
        long revokes = 0;
        long refused = 0;

        void Violation(string what)
        {
            lock (violations)
            {
                violations.Add(what);
            }

            if (stopAtFirstViolation)
            {
                Volatile.Write(ref stop, 1);
            }
        }

        var mapperThread = new Thread(() =>
        {
            try
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    var grant = new GrantRef((uint)Volatile.Read(ref current));
                    if (!mapper.TryMap(grant, GrantAccess.Write, out var mapping, out _))
                    {
                        continue; // revoked and not yet granted again
                    }

                    Volatile.Write(ref live, 1);
                    for (var i = 0; i < 4; i++)
                    {
                        if (!table.IsMapped(grant) || mapper.MappedCount != 1)
                        {
                            Violation($"grant {grant} is mapped but IsMapped={table.IsMapped(grant)}, MappedCount={mapper.MappedCount}");
                            break;
                        }

                        Thread.SpinWait(20);
                    }

                    Volatile.Write(ref live, 0);
                    mapper.Unmap(mapping);
                    Interlocked.Increment(ref maps);
                    Thread.SpinWait(10);
                }
            }
            catch (Exception e)
            {
                Violation("mapper thread: " + e);
            }
        })
        { IsBackground = true, Name = "revoke race: mapper" };

        var revokerThread = new Thread(() =>
        {
            try
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    var grant = new GrantRef((uint)Volatile.Read(ref current));
                    if (!revoke(grant))
                    {
                        Interlocked.Increment(ref refused);
                        continue;
                    }

                    if (Volatile.Read(ref live) != 0)
                    {
                        Violation($"grant {grant} was revoked while the backend held a mapping of it");
                    }

                    Interlocked.Increment(ref revokes);
                    Volatile.Write(ref current, (int)regrant().Value);
                }
            }
            catch (Exception e)
            {
                Violation("revoker thread: " + e);
            }
        })
        { IsBackground = true, Name = "revoke race: revoker" };

        var clock = Stopwatch.StartNew();
        mapperThread.Start();
        revokerThread.Start();
        while (Volatile.Read(ref stop) == 0 && clock.Elapsed < budget
            && (Interlocked.Read(ref maps) < minimumRounds || Interlocked.Read(ref revokes) < 100 || Interlocked.Read(ref refused) < 100))
        {
            Thread.Sleep(5);
        }

        Volatile.Write(ref stop, 1);
        if (!mapperThread.Join(TimeSpan.FromSeconds(5)) || !revokerThread.Join(TimeSpan.FromSeconds(5)))
        {
            Assert.Fail("a thread of the revoke race did not stop");
        }

        return new RaceResult(violations, maps, revokes, refused);
    }

    private GrantRef Grant(ushort toDomain = BackendDomain) =>
        _guest.Grants.GrantAccess(toDomain, _guest.Pages.Allocate(), readOnly: false);

    private void AssertRefused(GrantRef grant, GrantAccess access, GrantError expected, string rule, int expectedMapped = 0)
    {
        Assert.IsFalse(_mapper.TryMap(grant, access, out var mapping, out var error));
        Assert.AreEqual(expected, error);
        Assert.IsFalse(mapping.IsValid);

        var refused = Assert.ThrowsExactly<GrantAccessException>(() => _mapper.Map(grant, access));
        Assert.AreEqual(expected, refused.Error);
        Assert.AreEqual(grant, refused.Grant);
        Assert.Contains($"grant {grant.Value} of domain {GuestDomain}", refused.Message);
        Assert.Contains(rule, refused.Message);
        Assert.AreEqual(expectedMapped, _mapper.MappedCount);
    }

    private void AssertNothingMapped(IEnumerable<GrantRef> grants)
    {
        Assert.AreEqual(0, _mapper.MappedCount);
        foreach (var grant in grants)
        {
            Assert.IsFalse(_guest.Grants.IsMapped(grant), $"grant {grant} was left busy");
        }
    }

    private GrantFlags BusyBits(GrantRef grant) =>
        GrantEntry.FlagsOf(Volatile.Read(ref new GrantEntry(_guest.Pool.GrantEntryPointer(grant.Value)).FlagsAndDomain)) & GrantFlags.Busy;

    private static void WriteEntryByHand(GrantPool view, GrantRef grant, GrantFlags flags, ushort domain, uint page)
    {
        var entry = new GrantEntry(view.GrantEntryPointer(grant.Value));
        entry.Page = page;
        Volatile.Write(ref entry.FlagsAndDomain, GrantEntry.Word(flags, domain));
    }

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static GrantPool AttachBackendView(GrantPool guest) =>
        GrantPool.Attach(new SafeFileHandle(Linux.LibC.Dup((int)guest.FileDescriptor.DangerousGetHandle()), ownsHandle: true));
}
