using System.Runtime.InteropServices;

namespace ParaIo.RingBuffer.Peer;

/// <summary>A 64-byte request of the test echo service.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
public struct EchoRequest
{
    public ulong Id;
    public ulong Value;
    /// <summary>Bytes of <see cref="Payload"/> in use; valid only up to <see cref="EchoProtocol.MaxPayload"/>.</summary>
    public uint Length;
    public uint Reserved;
    public EchoPayload Payload;
}

/// <summary>The request's inline payload.</summary>
[System.Runtime.CompilerServices.InlineArray(EchoProtocol.MaxPayload)]
public struct EchoPayload
{
    private byte _element0;
}

/// <summary>The echo service's response.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EchoResponse
{
    public ulong Id;
    public ulong Result;
    public int Status;
    public int Reserved;
}

/// <summary>The test service both ends agree on: validate a request, then compute its answer.</summary>
public static class EchoProtocol
{
    public const int MaxPayload = 40;
    public const int StatusOk = 0;
    public const int StatusBadLength = -22;

    /// <summary>The answer an honest frontend expects for a request.</summary>
    public static ulong Expected(ulong id, ulong value) => (value * 31) ^ id;

    /// <summary>Serves one request held in private memory.</summary>
    public static EchoResponse Serve(in EchoRequest request)
    {
        if (request.Length > MaxPayload)
        {
            return new EchoResponse { Id = request.Id, Status = StatusBadLength };
        }

        ulong sum = 0;
        ReadOnlySpan<byte> payload = request.Payload;
        foreach (var b in payload[..(int)request.Length])
        {
            sum += b;
        }

        return new EchoResponse { Id = request.Id, Result = Expected(request.Id, request.Value) + sum, Status = StatusOk };
    }
}
