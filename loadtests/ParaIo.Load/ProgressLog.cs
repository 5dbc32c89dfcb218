namespace ParaIo.Load;

/// <summary>
/// Progress on stderr, so stdout carries only the report (the table, or the JSON document).
/// </summary>
internal static class ProgressLog
{
    private static readonly long s_started = Measurement.Clock.Now;

    public static void Write(string message)
    {
        var started = s_started; // first touch starts the clock, before "now" is read
        Console.Error.WriteLine($"[{Measurement.Clock.Seconds(Measurement.Clock.Now - started),6:0.0}s] {message}");
    }
}
