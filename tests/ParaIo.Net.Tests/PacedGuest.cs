using System.Diagnostics;
using ParaIo.Frontend.Net;

namespace ParaIo.Net.Tests;

/// <summary>
/// A guest sending streams of frames through its NetFront, each at its own offered rate, paced
/// against the wall clock (catching up in bursts after a late wake-up) for a given time.
/// </summary>
internal static class PacedGuest
{
    public static void Send(NetFrontDevice front, TimeSpan duration, params (byte[] Frame, double Mbps)[] streams)
    {
        var sent = new long[streams.Length];
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= duration)
            {
                return;
            }

            for (var i = 0; i < streams.Length; i++)
            {
                var (frame, mbps) = streams[i];
                var due = (long)(mbps * 1_000_000 / 8 * elapsed.TotalSeconds);
                while (sent[i] + frame.Length <= due)
                {
                    front.Send(frame);
                    sent[i] += frame.Length;
                }
            }

            Thread.Sleep(1);
        }
    }
}
