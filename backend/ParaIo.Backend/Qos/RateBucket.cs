using System.Runtime.CompilerServices;

namespace ParaIo.Backend.Qos;

/// <summary>
/// The arithmetic of one token bucket, with no lock of its own: <see cref="TokenBucket"/> wraps it
/// in a lock, <see cref="PortScheduler"/> keeps one per node under the port's lock.
/// </summary>
/// <remarks>
/// Tokens are kept as a double so that refills of a fraction of a byte are not lost; a rate of
/// 1 Gb/s refills 0.125 bytes a nanosecond. Tokens may go negative (debt): a consumer that is allowed
/// to send while it has any tokens left is charged the whole cost afterwards, as Linux HTB does, so
/// the long-run rate is exact whatever the request size.
/// </remarks>
internal struct RateBucket
{
    /// <summary>Tokens (bytes or operations) a second.</summary>
    public double Rate;

    /// <summary>Most tokens the bucket holds.</summary>
    public double Burst;

    /// <summary>Tokens now; negative while in debt.</summary>
    public double Tokens;

    /// <summary>Timestamp of the last refill.</summary>
    public long Last;

    /// <summary>Creates a full bucket.</summary>
    public RateBucket(double rate, double burst, long now)
    {
        Rate = rate;
        Burst = burst;
        Tokens = burst;
        Last = now;
    }

    /// <summary>Adds the tokens earned since the last refill, up to <see cref="Burst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Refill(long now, double ticksPerSecond)
    {
        var elapsed = now - Last;
        if (elapsed <= 0)
        {
            return;
        }

        Last = now;
        var tokens = Tokens + (Rate * elapsed / ticksPerSecond);
        Tokens = tokens > Burst ? Burst : tokens;
    }

    /// <summary>Changes rate and burst; the caller refills first so that time already passed is paid at the old rate.</summary>
    public void Reconfigure(double rate, double burst)
    {
        Rate = rate;
        Burst = burst;
        if (Tokens > burst)
        {
            Tokens = burst;
        }
    }

    /// <summary>
    /// Ticks until the bucket holds <paramref name="needed"/> tokens (0 when it already does),
    /// <see cref="long.MaxValue"/> when it never will.
    /// </summary>
    public readonly long TicksUntil(double needed, double ticksPerSecond)
    {
        var missing = needed - Tokens;
        if (missing <= 0)
        {
            return 0;
        }

        if (Rate <= 0)
        {
            return long.MaxValue;
        }

        var ticks = Math.Ceiling(missing * ticksPerSecond / Rate);
        return ticks >= long.MaxValue / 2 ? long.MaxValue : Math.Max(1, (long)ticks);
    }
}
