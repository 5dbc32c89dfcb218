namespace ParaIo.Load.Reporting;

/// <summary>Small frames from one guest to another in library mode.</summary>
/// <param name="FramesPerSecond">Frames the receiving guest was handed in the window, per second (drops not counted).</param>
/// <param name="SentPerSecond">Frames the sending guest sent in the window, per second.</param>
/// <param name="Delivered">Frames delivered in the window.</param>
/// <param name="Dropped">Frames dropped at the receiving guest's rx ring (no posted buffer) in the window.</param>
/// <param name="Sent">Frames sent in the window.</param>
/// <param name="Seconds">The window.</param>
/// <param name="Cores">CPU time of this process in the window over the window: cores kept busy.</param>
/// <param name="FrameBytes">Bytes per frame.</param>
/// <param name="Burst">Frames sent per ring publish.</param>
internal sealed record FrameFigures(double FramesPerSecond, double SentPerSecond, long Delivered, long Dropped, long Sent, double Seconds, double Cores, int FrameBytes, int Burst);
