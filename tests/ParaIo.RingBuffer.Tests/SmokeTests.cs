using Microsoft.VisualStudio.TestTools.UnitTesting;
using Microsoft.Win32.SafeHandles;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;

namespace ParaIo.RingBuffer.Tests;

[TestClass]
public sealed class SmokeTests
{
    private struct Req { public ulong Id; public ulong Value; }
    private struct Rsp { public ulong Id; public ulong Result; }

    [TestMethod]
    public void RequestAndResponseCrossTheRing()
    {
        using var guest = GuestMemory.Create(64, domain: 1);
        using var queue = guest.CreateQueue<Req, Rsp>(backendDomain: 0, pageOrder: 0);
        var dup = new SafeFileHandle(Linux.LibC.Dup((int)guest.Pool.FileDescriptor.DangerousGetHandle()), true);
        using var backendPool = GrantPool.Attach(dup);
        var mapper = new GrantMapper(backendPool, 0, 1);
        using var back = BackQueue<Req, Rsp>.Connect(mapper, queue.Offer);

        queue.Ring.NextRequest() = new Req { Id = 7, Value = 21 };
        queue.Push();
        Assert.IsTrue(back.Ring.TryConsumeRequest(out var req));
        Assert.AreEqual(7ul, req.Id);
        back.Ring.WriteResponse(new Rsp { Id = req.Id, Result = req.Value * 2 });
        back.Push();
        Assert.IsTrue(queue.Ring.TryTakeResponse(out var rsp));
        Assert.AreEqual(42ul, rsp.Result);
    }
}
