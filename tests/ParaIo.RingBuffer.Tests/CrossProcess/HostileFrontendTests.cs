using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Peer;
using ParaIo.RingBuffer.Rings;

namespace ParaIo.RingBuffer.Tests.CrossProcess;

/// <summary>
/// A guest in a peer process attacks its backend (this process) through the memory it shares.
/// The backend must never crash, hang or throw, must report the violation, and another guest
/// served at the same time must not notice.
/// </summary>
[TestClass]
public sealed class HostileFrontendTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void RandomBytesInTheSharedPagesAreReportedAndHurtOnlyThatGuest(int seed)
    {
        using var hostile = PeerProcess.Start("hostile", "--attack", "scribble", "--seconds", "2", "--seed", $"{seed}");
        using var hostileBackend = new InProcessBackend(hostile.Connection, TimeSpan.FromMicroseconds(20));
        using var honest = PeerProcess.Start("frontend", "--count", "20000", "--batch", "16", "--domain", "2");
        using var honestBackend = new InProcessBackend(honest.Connection, TimeSpan.FromMicroseconds(20));

        honest.WaitForLine("ok", s_timeout);
        hostile.WaitForLine("ok", s_timeout);

        Assert.IsTrue(hostileBackend.WaitForStop(s_timeout), "a scribbled req_prod must fault the ring and end its serving loop");
        Assert.IsNull(hostileBackend.Escaped, $"the backend threw: {hostileBackend.Escaped}");
        Assert.IsNotNull(hostileBackend.Echo.Fault);
        StringAssert.Contains(hostileBackend.Echo.Fault.Reason, "req_prod");
        Assert.IsTrue(honestBackend.Stop(TimeSpan.FromSeconds(5)));
        Assert.IsNull(honestBackend.Escaped);
        Assert.IsNull(honestBackend.Echo.Fault);
        Assert.AreEqual(20_000, honestBackend.Echo.Served);
    }

    [TestMethod]
    [DataRow("race-ahead", RingFaultKind.ProducerOverrun)]
    [DataRow("rewind", RingFaultKind.ProducerRewound)]
    public void AProducerIndexThatLiesFaultsTheRingWithAReason(string attack, RingFaultKind expected)
    {
        using var hostile = PeerProcess.Start("hostile", "--attack", attack, "--seconds", "1");
        using var backend = new InProcessBackend(hostile.Connection, TimeSpan.FromMicroseconds(20));

        hostile.WaitForLine("ok", s_timeout);

        Assert.IsTrue(backend.WaitForStop(s_timeout), "the fault must end the serving loop");
        Assert.IsNull(backend.Escaped);
        Assert.AreEqual(expected, backend.Echo.Fault?.Kind, backend.Echo.Fault?.Reason);
        Assert.AreEqual(backend.Queue.Ring.RequestConsumer, backend.Queue.Ring.ResponseProducer, "every request consumed before the fault was answered");
    }

    [TestMethod]
    public void ARequestRewrittenAfterPushCannotChangeWhatTheBackendValidated()
    {
        var result = RunRewriteAttack(DoubleFetch.Never);

        Assert.IsTrue(result.Served > 1000, $"too few requests crossed to judge: {result.Served}");
        Assert.AreEqual(0, result.Fooled, "the backend used a length it had not validated");
    }

    [TestMethod]
    public void ControlABackendThatReadsTheSlotTwiceIsCaught()
    {
        var result = RunRewriteAttack(DoubleFetch.ReadSlotAgain);

        Assert.IsTrue(result.Fooled > 0, $"the harness should catch a double fetch, but {result.Served} requests raised nothing");
    }

    private enum DoubleFetch
    {
        Never,
        ReadSlotAgain,
    }

    private static (long Served, long Fooled) RunRewriteAttack(DoubleFetch mode)
    {
        long served = 0, fooled = 0;
        using var hostile = PeerProcess.Start("hostile", "--attack", "rewrite", "--seconds", "2");
        using var backend = new InProcessBackend(hostile.Connection, TimeSpan.FromMicroseconds(50), serve: (queue, stop) =>
        {
            var ring = queue.Ring;
            while (!stop.IsCancellationRequested && !ring.IsFaulted)
            {
                while (ring.TryConsumeRequest(out var request))
                {
                    var length = mode == DoubleFetch.Never ? request.Length : SharedSlotLength(queue, ring.RequestConsumer - 1);
                    if (length <= EchoProtocol.MaxPayload)
                    {
                        Thread.SpinWait(2000); // the work between validating a field and using it
                        var used = mode == DoubleFetch.Never ? request.Length : SharedSlotLength(queue, ring.RequestConsumer - 1);
                        if (used > EchoProtocol.MaxPayload)
                        {
                            fooled++;
                        }
                    }

                    ring.WriteResponse(new EchoResponse { Id = request.Id });
                    served++;
                }

                queue.Push();
                queue.WaitForRequests(TimeSpan.FromMicroseconds(50), timeoutMs: 100, stop);
            }
        });

        hostile.WaitForLine("ok", s_timeout);
        Assert.IsTrue(backend.Stop(TimeSpan.FromSeconds(5)));
        Assert.IsNull(backend.Escaped);
        return (served, fooled);
    }

    /// <summary>The broken control: reads a request field straight from the shared slot.</summary>
    private static unsafe uint SharedSlotLength(BackQueue<EchoRequest, EchoResponse> queue, uint index)
    {
        var slotSize = (uint)RingLayout.SlotSize<EchoRequest, EchoResponse>();
        var slot = queue.Ring.Mapping.Address + RingLayout.HeaderSize + ((index & (queue.Ring.Size - 1)) * slotSize);
        return Volatile.Read(ref ((EchoRequest*)slot)->Length);
    }
}
