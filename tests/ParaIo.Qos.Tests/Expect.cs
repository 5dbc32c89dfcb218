using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Qos.Tests;

internal static class Expect
{
    /// <summary>Asserts <paramref name="actual"/> lies within <paramref name="tolerance"/> (a fraction) of <paramref name="expected"/>.</summary>
    public static void Within(double expected, double actual, double tolerance, string what) =>
        Assert.IsTrue(
            IsWithin(expected, actual, tolerance),
            $"{what}: expected {expected:F2} ±{tolerance:P1}, got {actual:F2} ({(actual - expected) / expected:+0.00%;-0.00%}).");

    /// <summary>The check <see cref="Within"/> asserts, for showing that a broken control fails it.</summary>
    public static bool IsWithin(double expected, double actual, double tolerance) =>
        Math.Abs(actual - expected) <= Math.Abs(expected) * tolerance;
}
