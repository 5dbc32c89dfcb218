using System.Diagnostics;

namespace ParaIo.Load.Measurement;

/// <summary>
/// The one clock every transport is timed with: <see cref="Stopwatch.GetTimestamp"/> (the vDSO's
/// clock_gettime, no allocation, no system call on a TSC clocksource).
/// </summary>
internal static class Clock
{
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    public static long Now => Stopwatch.GetTimestamp();

    public static long Nanoseconds(long ticks) => (long)(ticks * s_nanosecondsPerTick);

    public static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
