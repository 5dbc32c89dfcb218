namespace ParaIo.Qos.Tests;

/// <summary>The fabric speaks megabits; the scheduler bytes.</summary>
internal static class Rates
{
    public static long Mbps(double megabits) => (long)(megabits * 1_000_000 / 8);

    public static double ToMbps(double bytesPerSecond) => bytesPerSecond * 8 / 1_000_000;

    public static long MBps(double megabytes) => (long)(megabytes * 1_000_000);
}
