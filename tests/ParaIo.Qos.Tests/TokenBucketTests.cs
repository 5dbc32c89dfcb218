using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Backend.Qos;

namespace ParaIo.Qos.Tests;

/// <summary>The token bucket on a manual clock.</summary>
[TestClass]
public sealed class TokenBucketTests
{
    [TestMethod]
    public void StartsFullAndRefillsAtItsRate()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(rate: 1000, burst: 500, clock);

        Assert.IsTrue(bucket.TryConsume(500));
        Assert.IsFalse(bucket.TryConsume(1));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.IsFalse(bucket.TryConsume(101));
        Assert.IsTrue(bucket.TryConsume(100));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.AreEqual(500, bucket.Available, 1e-9, "never more than the burst");
    }

    [TestMethod]
    public void TimeUntilAvailableIsExact()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(rate: 1_000_000, burst: 10_000, clock);
        Assert.AreEqual(TimeSpan.Zero, bucket.TimeUntilAvailable(10_000));
        Assert.IsTrue(bucket.TryConsume(10_000));
        Assert.AreEqual(TimeSpan.FromMilliseconds(2), bucket.TimeUntilAvailable(2000));
        clock.Advance(bucket.TimeUntilAvailable(2000));
        Assert.IsTrue(bucket.TryConsume(2000));
    }

    [TestMethod]
    public void AmountAboveTheBurstWaitsForAFullBucketThenGoesIntoDebt()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(rate: 1000, burst: 100, clock);
        Assert.IsTrue(bucket.TryConsume(50));
        Assert.AreEqual(TimeSpan.FromMilliseconds(50), bucket.TimeUntilAvailable(1000));
        Assert.IsFalse(bucket.TryConsume(1000));
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.IsTrue(bucket.TryConsume(1000));
        Assert.AreEqual(-900, bucket.Available, 1e-9);
        Assert.AreEqual(TimeSpan.FromMilliseconds(901), bucket.TimeUntilAvailable(1));
    }

    [TestMethod]
    public void RateChangeAppliesFromNowOn()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(rate: 1000, burst: 1000, clock);
        bucket.Consume(1000);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        bucket.Reconfigure(rate: 100, burst: 1000);
        Assert.AreEqual(500, bucket.Available, 1e-9, "the first half second earned at the old rate");
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.AreEqual(550, bucket.Available, 1e-9);
        bucket.Reconfigure(rate: 100, burst: 200);
        Assert.AreEqual(200, bucket.Available, 1e-9, "a smaller burst drops the excess");
        Assert.AreEqual(100, bucket.Rate);
        Assert.AreEqual(200, bucket.Burst);
    }

    [TestMethod]
    public void ZeroRateNeverRefills()
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(rate: 0, burst: 10, clock);
        Assert.IsTrue(bucket.TryConsume(10));
        clock.Advance(TimeSpan.FromDays(1));
        Assert.IsFalse(bucket.TryConsume(1));
        Assert.AreEqual(Timeout.InfiniteTimeSpan, bucket.TimeUntilAvailable(1));
    }

    [TestMethod]
    [DataRow(1_000_000L, 1500)]
    [DataRow(12_500_000L, 64)]
    [DataRow(125_000_000L, 65536)]
    public void SaturatingConsumerGetsTheRate(long rate, int request)
    {
        var clock = new ManualClock();
        var bucket = new TokenBucket(rate, burst: Math.Max(request, rate / 100), clock);
        bucket.Consume((long)bucket.Available); // start empty: measure the rate, not the burst
        long consumed = 0;
        var step = TimeSpan.FromMicroseconds(250);
        for (var t = TimeSpan.Zero; t < TimeSpan.FromSeconds(5); t += step)
        {
            while (bucket.TryConsume(request))
            {
                consumed += request;
            }

            clock.Advance(step);
        }

        Expect.Within(rate * 5, consumed, 0.01, "bytes in 5 s");
    }
}
