using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.RingBuffer.Grants;

namespace ParaIo.RingBuffer.Tests;

/// <summary>
/// The guest's allocator of data pages: runs are consecutive and disjoint, stay inside the data
/// pages, come back when freed, are never freed twice, and may straddle the search cursor.
/// </summary>
[TestClass]
public sealed class PageAllocatorTests
{
    private const int DataPages = 10;

    private GrantPool _pool = null!;
    private PageAllocator _pages = null!;
    private int _first;

    [TestInitialize]
    public void SetUp()
    {
        // One grant page and one event page: data pages are 3..12.
        _pool = GrantPool.Create(3 + DataPages, grantEntries: GrantEntryLayout.EntriesPerPage, eventPorts: 1);
        _pages = new PageAllocator(_pool);
        _first = _pool.Geometry.FirstDataPage;
        Assert.AreEqual(3, _first);
        Assert.AreEqual(DataPages, _pages.FreePages);
    }

    [TestCleanup]
    public void TearDown() => _pool.Dispose();

    [TestMethod]
    public void RunsAreConsecutiveDisjointAndInsideTheDataPages()
    {
        var runs = new[] { 1, 2, 3, 4 }.Select(count => (First: _pages.Allocate(count), Count: count)).ToArray();

        Assert.AreEqual(_first, runs[0].First);
        Assert.AreEqual(_first + 1, runs[1].First);
        Assert.AreEqual(_first + 3, runs[2].First);
        Assert.AreEqual(_first + 6, runs[3].First);
        var owned = runs.SelectMany(r => Enumerable.Range(r.First, r.Count)).ToArray();
        Assert.AreEqual(DataPages, owned.Distinct().Count());
        Assert.IsTrue(owned.All(p => p >= _first && p < _pool.Geometry.PageCount));
        Assert.AreEqual(0, _pages.FreePages);

        // A run is usable as one span of the pool.
        Assert.AreEqual(4 * PoolLayout.PageSize, _pool.GetPages(runs[3].First, 4).Length);
    }

    [TestMethod]
    public void ExhaustionIsRefusedWithTheRunAndTheFreeCount()
    {
        _pages.Allocate(DataPages);

        var empty = Assert.ThrowsExactly<InvalidOperationException>(() => _pages.Allocate());
        Assert.Contains("no run of 1 free pages (0 pages free in all)", empty.Message);

        // Three pages free but no two of them adjacent.
        _pages.Free(_first + 1);
        _pages.Free(_first + 4);
        _pages.Free(_first + 8);
        var fragmented = Assert.ThrowsExactly<InvalidOperationException>(() => _pages.Allocate(2));
        Assert.Contains("no run of 2 free pages (3 pages free in all)", fragmented.Message);
        Assert.AreEqual(3, _pages.FreePages, "a refused allocation took pages");

        Assert.ThrowsExactly<InvalidOperationException>(() => _pages.Allocate(DataPages + 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _pages.Allocate(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _pages.Allocate(-1));
    }

    [TestMethod]
    public void FreedPagesAreReused()
    {
        var all = Enumerable.Range(0, DataPages).Select(_ => _pages.Allocate()).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(_first, DataPages).ToArray(), all);

        _pages.Free(_first + 7);
        Assert.AreEqual(1, _pages.FreePages);
        Assert.AreEqual(_first + 7, _pages.Allocate());

        _pages.Free(_first + 2, 1);
        _pages.Free(_first + 3, 1);
        Assert.AreEqual(_first + 2, _pages.Allocate(2), "two adjacent pages freed one by one form a run");
        Assert.AreEqual(0, _pages.FreePages);
    }

    [TestMethod]
    public void DoubleFreeIsRefusedAndChangesNothing()
    {
        var run = _pages.Allocate(3);
        _pages.Free(run + 1);

        var twice = Assert.ThrowsExactly<InvalidOperationException>(() => _pages.Free(run + 1));
        Assert.Contains("freed twice?", twice.Message);

        // A run with one page already free is refused whole: the allocated pages stay allocated.
        Assert.ThrowsExactly<InvalidOperationException>(() => _pages.Free(run, 3));
        Assert.AreEqual(DataPages - 2, _pages.FreePages);
        var rest = Enumerable.Range(0, DataPages - 2).Select(_ => _pages.Allocate()).ToArray();
        Assert.IsFalse(rest.Contains(run), "a page of a refused free was handed out again");
        Assert.IsFalse(rest.Contains(run + 2), "a page of a refused free was handed out again");
    }

    [TestMethod]
    public void FreeRefusesPagesOutsideTheDataPages()
    {
        _pages.Allocate(DataPages);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _pages.Free(_first - 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _pages.Free(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _pages.Free(_pool.Geometry.PageCount));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _pages.Free(_first + DataPages - 1, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _pages.Free(_first, 0));
        Assert.AreEqual(0, _pages.FreePages);
    }

    [TestMethod]
    public void SearchGoesOnFromTheLastRunAndWrapsToTheStart()
    {
        var a = _pages.Allocate(2); // pages 0-1 (relative)
        _pages.Allocate(2);         // 2-3
        _pages.Free(a, 2);

        // Next fit: the freed run before the cursor is not taken while there is room after it.
        Assert.AreEqual(_first + 4, _pages.Allocate(2));
        Assert.AreEqual(_first + 6, _pages.Allocate(4)); // ends at the last page: the cursor wraps
        Assert.AreEqual(_first, _pages.Allocate(2));
        Assert.AreEqual(0, _pages.FreePages);
    }

    [TestMethod]
    public void SearchWrapsToARunBeforeTheCursor()
    {
        _pages.Allocate(4); // 0-3
        _pages.Allocate(4); // 4-7, cursor at 8
        _pages.Free(_first + 2, 2);
        _pages.Free(_first + 4, 2);

        // Free: 2-5 and 8-9. The search from the cursor finds two pages, then wraps to 2-5.
        Assert.AreEqual(_first + 2, _pages.Allocate(4));
        Assert.AreEqual(_first + 8, _pages.Allocate(2));
        Assert.AreEqual(0, _pages.FreePages);
    }

    [TestMethod]
    public void RunMayStraddleTheSearchCursor()
    {
        _pages.Allocate(4); // 0-3, cursor at 4
        _pages.Allocate(1); // 4, cursor at 5
        _pages.Allocate(5); // 5-9, cursor wraps to 0
        _pages.Free(_first + 3, 4); // 3-6 free
        Assert.AreEqual(_first + 3, _pages.Allocate()); // cursor at 4
        _pages.Free(_first + 3); // 3-6 free again, with the cursor at 4 in its middle

        Assert.AreEqual(_first + 3, _pages.Allocate(4), "a free run that begins before the cursor and ends after it was missed");
        Assert.AreEqual(0, _pages.FreePages);
    }

    [TestMethod]
    public void ConcurrentAllocationsNeverShareAPage()
    {
        var owner = new int[_pool.Geometry.PageCount];
        var errors = 0;
        var threads = Enumerable.Range(1, 2).Select(id => new Thread(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                int page;
                try
                {
                    page = _pages.Allocate(1 + (i % 3));
                }
                catch (InvalidOperationException)
                {
                    continue; // momentarily exhausted by the other thread
                }

                var count = 1 + (i % 3);
                for (var p = page; p < page + count; p++)
                {
                    if (Interlocked.CompareExchange(ref owner[p], id, 0) != 0)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }

                for (var p = page; p < page + count; p++)
                {
                    Volatile.Write(ref owner[p], 0);
                }

                _pages.Free(page, count);
            }
        })
        { IsBackground = true }).ToArray();

        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.IsTrue(thread.Join(TimeSpan.FromSeconds(10)), "an allocating thread did not finish");
        }

        Assert.AreEqual(0, errors, "a page was handed to two owners at once");
        Assert.AreEqual(DataPages, _pages.FreePages);
    }
}
