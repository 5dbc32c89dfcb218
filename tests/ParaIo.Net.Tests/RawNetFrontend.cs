using System.Globalization;
using System.Runtime.InteropServices;
using ParaIo.Protocol.Net;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.Net.Tests;

/// <summary>
/// A frontend that writes whatever tx entries a test hands it — well-formed or not — and reads
/// the responses: the hostile guest of the network tests (as RawFrontend is for block).
/// </summary>
internal sealed class RawNetFrontend : IDisposable
{
    private readonly GuestMemory _memory;
    private readonly bool _persistent;

    public RawNetFrontend(GuestMemory memory, bool persistent)
    {
        _memory = memory;
        _persistent = persistent;
        Tx = memory.CreateQueue<NetifTxRequest, NetifTxResponse>(backendDomain: 0, pageOrder: 0);
        Rx = memory.CreateQueue<NetifRxRequest, NetifRxResponse>(backendDomain: 0, pageOrder: 0);
    }

    public FrontQueue<NetifTxRequest, NetifTxResponse> Tx { get; }

    public FrontQueue<NetifRxRequest, NetifRxResponse> Rx { get; }

    public IReadOnlyDictionary<string, string> Keys => new Dictionary<string, string>
    {
        [NetKeys.RequestRxCopy] = "1",
        [NetKeys.FeatureSg] = "1",
        [NetKeys.FeaturePersistent] = _persistent ? "1" : "0",
        [NetKeys.TxRingRef] = Tx.Offer.RingRefs[0].ToString(),
        [NetKeys.RxRingRef] = Rx.Offer.RingRefs[0].ToString(),
        [NetKeys.TxEventChannel] = Tx.Offer.RequestPort.ToString(CultureInfo.InvariantCulture),
        [NetKeys.TxEventChannelResponse] = Tx.Offer.ResponsePort.ToString(CultureInfo.InvariantCulture),
        [NetKeys.RxEventChannel] = Rx.Offer.RequestPort.ToString(CultureInfo.InvariantCulture),
        [NetKeys.RxEventChannelResponse] = Rx.Offer.ResponsePort.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A data page holding <paramref name="bytes"/> at <paramref name="offset"/>, granted to the backend.</summary>
    public GrantRef GrantPage(ReadOnlySpan<byte> bytes = default, int offset = 0, bool readOnly = true)
    {
        var page = _memory.Pages.Allocate();
        bytes.CopyTo(_memory.Pool.GetPage(page)[offset..]);
        return _memory.Grants.GrantAccess(0, page, readOnly);
    }

    public void Write(in NetifTxRequest request) => Tx.Ring.NextRequest() = request;

    public void WriteExtra(NetifExtraInfo extra) => NetifProtocol.AsExtraInfo(ref Tx.Ring.NextRequest()) = extra;

    public void Push() => Tx.Push();

    /// <summary>Overwrites the shared req_prod (a lying producer index).</summary>
    public void SetRequestProducer(uint value) => MemoryMarshal.Write(_memory.Pool.GetPage(Tx.Ring.FirstPage), value);

    /// <summary>Overwrites the rx ring's shared req_prod.</summary>
    public void SetRxRequestProducer(uint value) => MemoryMarshal.Write(_memory.Pool.GetPage(Rx.Ring.FirstPage), value);

    /// <summary>The next tx response, or a timeout failure.</summary>
    public NetifTxResponse Receive()
    {
        var deadline = Environment.TickCount64 + (long)Waits.Limit.TotalMilliseconds;
        while (true)
        {
            if (Tx.Ring.TryTakeResponse(out var response))
            {
                return response;
            }

            var left = deadline - Environment.TickCount64;
            if (left <= 0 || !Tx.WaitForResponses(TimeSpan.FromMicroseconds(50), (int)left))
            {
                throw new TimeoutException("The backend did not answer.");
            }
        }
    }

    public void Dispose()
    {
        Tx.Dispose();
        Rx.Dispose();
    }
}
