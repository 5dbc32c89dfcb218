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

        Assert.IsGreaterThan(300, result.Rewritten, $"too few requests were rewritten in their window to judge: {result.Rewritten}");
        Assert.AreEqual(0, result.Fooled, "the backend used a length it had not validated");
    }

    [TestMethod]
    public void ControlABackendThatReadsTheSlotTwiceIsCaught()
    {
        var result = RunRewriteAttack(DoubleFetch.ReadSlotAgain);

        Assert.IsGreaterThan(300, result.Rewritten);
        Assert.AreEqual(result.Rewritten, result.Fooled, "every rewrite inside the window must fool a backend that reads the slot again");
    }

    private enum DoubleFetch
    {
        Never,
        ReadSlotAgain,
    }

    /// <summary>
    /// Runs a backend against the rewriting guest: between validating a request's Length and using
    /// it, the backend lets the guest rewrite that slot (see <see cref="RewriteWindow"/>).
    /// </summary>
    private static unsafe (long Rewritten, long Fooled) RunRewriteAttack(DoubleFetch mode)
    {
        long rewritten = 0, fooled = 0;
        // Four seconds: on two busy cores (the suite runs its assemblies in parallel) two gave too few rewrites to judge.
        using var hostile = PeerProcess.Start("hostile", "--attack", "rewrite", "--seconds", "4");
        using var backend = new InProcessBackend(hostile.Connection, TimeSpan.FromMicroseconds(50), serve: (queue, stop) =>
        {
            var ring = queue.Ring;
            var window = new RewriteWindow(queue.Ring.Mapping.Address);
            var sequence = 0u;
            while (!stop.IsCancellationRequested && !ring.IsFaulted)
            {
                while (ring.TryConsumeRequest(out var request))
                {
                    var index = ring.RequestConsumer - 1;
                    var length = mode == DoubleFetch.Never ? request.Length : SharedSlotLength(queue, index);
                    if (length <= EchoProtocol.MaxPayload && window.RequestRewrite(++sequence, index, TimeSpan.FromMilliseconds(20)))
                    {
                        rewritten++;
                        var used = mode == DoubleFetch.Never ? request.Length : SharedSlotLength(queue, index);
                        if (used > EchoProtocol.MaxPayload)
                        {
                            fooled++;
                        }
                    }

                    ring.WriteResponse(new EchoResponse { Id = request.Id });
                }

                queue.Push();
                queue.WaitForRequests(TimeSpan.FromMicroseconds(50), timeoutMs: 100, stop);
            }
        });

        hostile.WaitForLine("ok", s_timeout);
        Assert.IsTrue(backend.Stop(TimeSpan.FromSeconds(5)));
        Assert.IsNull(backend.Escaped);
        return (rewritten, fooled);
    }

    /// <summary>The broken control: reads a request field straight from the shared slot.</summary>
    private static unsafe uint SharedSlotLength(BackQueue<EchoRequest, EchoResponse> queue, uint index)
    {
        var slotSize = (uint)RingLayout.SlotSize<EchoRequest, EchoResponse>();
        var slot = queue.Ring.Mapping.Address + RingLayout.HeaderSize + ((index & (queue.Ring.Size - 1)) * slotSize);
        return Volatile.Read(ref ((EchoRequest*)slot)->Length);
    }
}
