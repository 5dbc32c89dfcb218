using System.Globalization;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// The one check every QoS conformance test applies to a measured rate: within a relative
/// tolerance of the configured one. Each test also runs it on a control it must reject, so the
/// check is shown able to fail.
/// </summary>
internal static class RateCheck
{
    /// <summary>The tolerance the fabric promises: ±5 %.</summary>
    public const double Tolerance = 0.05;

    /// <summary>Whether <paramref name="measured"/> is within ±<paramref name="tolerance"/> of <paramref name="configured"/>.</summary>
    public static bool IsWithin(double measured, double configured, double tolerance = Tolerance) =>
        Math.Abs(measured - configured) <= tolerance * configured;

    /// <summary>"measured 98.7 Mb/s against 100 Mb/s (-1.3 %)", for messages and the test log.</summary>
    public static string Describe(double measuredBitsPerSecond, double configuredBitsPerSecond) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"measured {measuredBitsPerSecond / 1e6:0.0} Mb/s against {configuredBitsPerSecond / 1e6:0.#} Mb/s ({Math.Round((measuredBitsPerSecond - configuredBitsPerSecond) / configuredBitsPerSecond * 100, 1):+0.0;-0.0;0.0} %)");
}
