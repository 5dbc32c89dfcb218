namespace ParaIo.Load.Reporting;

/// <summary>
/// One measurement of one path in <c>paraio-load net</c>: TCP throughput, ping round trip or the
/// library-mode frame rate, with the figures of its kind, or why it could not be measured.
/// </summary>
/// <param name="Measure">"tcp", "ping" or "frames".</param>
/// <param name="Path">"paraio", "linux-bridge" or "library".</param>
/// <param name="How">The way the bytes went.</param>
/// <param name="Unavailable">Why it was not measured; null when it was.</param>
internal sealed record NetRow(string Measure, string Path, string How, string? Unavailable)
{
    /// <summary>iperf3's figures (tcp rows).</summary>
    public TcpFigures? Tcp { get; init; }

    /// <summary>ping's figures (ping rows).</summary>
    public PingFigures? Ping { get; init; }

    /// <summary>The frame rate (frames rows).</summary>
    public FrameFigures? Frames { get; init; }

    /// <summary>
    /// This row's figure divided by the Linux bridge's in the same run: Gb/s for tcp (above 1 is
    /// faster), the median round trip for ping (below 1 is faster).
    /// </summary>
    public double? OverLinuxBridge { get; init; }

    /// <summary>Cores that processes outside this run kept busy meanwhile (from /proc); above a tenth the row is noisy.</summary>
    public double? BackgroundCores { get; init; }

    /// <summary>The target set for this row, in words; null when there is none.</summary>
    public string? Goal { get; init; }

    /// <summary>Whether the row met <see cref="Goal"/>; null when there is none or it was not measured.</summary>
    public bool? Met { get; init; }

    public bool Measured => Tcp is not null || Ping is not null || Frames is not null;
}
