using System.Diagnostics;
using ParaIo.Frontend.Net;

namespace ParaIo.Net.Tests;

/// <summary>
/// A guest sending streams of frames through its NetFront, each at its own offered rate, paced
/// against the wall clock (catching up in bursts after a late wake-up) for a given time.
/// </summary>
internal static class PacedGuest
{
    /// <summary>
    /// Sends for <paramref name="duration"/> and returns the longest the guest was held off the CPU
    /// (between two passes of its 1 ms pacing loop) after <paramref name="settle"/>: on a machine
    /// busy with other work, a stall longer than its vNIC's queue can cover leaves the shaper idle,
    /// and a rate measured over that time says nothing about the shaper.
    /// </summary>
    public static TimeSpan Send(NetFrontDevice front, TimeSpan duration, TimeSpan settle, params (byte[] Frame, double Mbps)[] streams)
    {
        var sent = new long[streams.Length];
        var start = Stopwatch.GetTimestamp();
        var previous = TimeSpan.Zero;
        var longestStall = TimeSpan.Zero;
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= duration)
            {
                return longestStall;
            }

            if (previous >= settle && elapsed - previous > longestStall)
            {
                longestStall = elapsed - previous;
            }

            previous = elapsed;
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
