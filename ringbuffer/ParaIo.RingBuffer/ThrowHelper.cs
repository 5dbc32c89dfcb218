using System.Diagnostics.CodeAnalysis;

namespace ParaIo.RingBuffer;

/// <summary>Throws for the rare paths, keeping the hot methods small enough to inline.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowRingFull() =>
        throw new InvalidOperationException("The ring is full; wait for responses before producing more requests.");

    [DoesNotReturn]
    public static void ThrowNoRequestToAnswer() =>
        throw new InvalidOperationException("Every consumed request already has a response; a response must answer a request.");
}
