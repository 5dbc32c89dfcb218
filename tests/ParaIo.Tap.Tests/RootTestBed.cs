using System.Security.Cryptography;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ParaIo.Tap.Devices;
using ParaIo.Tap.Namespaces;
using ParaIo.Tap.VirtioNet;

namespace ParaIo.Tap.Tests;

/// <summary>
/// Base for tests that create TAP devices and namespaces. Without root they are skipped
/// (Inconclusive, which the test platform reports as skipped); PARAIO_TESTS_AS_USER=1 pretends
/// not to be root, to check that path. Everything a test creates is torn down in reverse order.
/// </summary>
public abstract class RootTestBed
{
    public const string AsUserVariable = "PARAIO_TESTS_AS_USER";

    private readonly Stack<IDisposable> _cleanup = new();

    [TestInitialize]
    public void RequireRoot()
    {
        if (Environment.GetEnvironmentVariable(AsUserVariable) == "1" || !Environment.IsPrivilegedProcess)
        {
            Assert.Inconclusive("needs root: TAP devices and network namespaces");
        }

        if (!File.Exists("/dev/net/tun"))
        {
            Assert.Inconclusive("needs /dev/net/tun (modprobe tun)");
        }
    }

    [TestCleanup]
    public void TearDown()
    {
        List<Exception>? failures = null;
        while (_cleanup.TryPop(out var item))
        {
            try
            {
                item.Dispose();
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("cleanup failed", failures);
        }
    }

    protected static string UniqueInterfaceName() => "ptt" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    protected static CancellationToken Deadline(int milliseconds = 5000) => new CancellationTokenSource(milliseconds).Token;

    protected T Track<T>(T item)
        where T : IDisposable
    {
        _cleanup.Push(item);
        return item;
    }

    /// <summary>A fresh namespace with IPv6 off, so no router solicitations or MLD reports mix with the frames a test waits for.</summary>
    protected NetworkNamespace NewNamespace()
    {
        var network = Track(NetworkNamespace.CreateUnique("ptaptest"));
        network.Invoke(() =>
        {
            foreach (var scope in new[] { "all", "default" })
            {
                var path = $"/proc/sys/net/ipv6/conf/{scope}/disable_ipv6";
                if (File.Exists(path))
                {
                    File.WriteAllText(path, "1");
                }
            }

            return 0;
        });
        return network;
    }

    /// <summary>A TAP with <see cref="TestFrames.TapMac"/> and 10.99.0.1/24, up, in a fresh namespace.</summary>
    protected (NetworkNamespace Network, TapDevice Tap) NewTapInNamespace(TapOffloads offloads = TapOffloads.None)
    {
        var network = NewNamespace();
        var tap = Track(TapDevice.Open(new TapOptions
        {
            Name = "ptap%d",
            MacAddress = TestFrames.TapMac,
            Offloads = offloads,
            NetworkNamespace = network.Name,
        }));
        network.AddAddress(tap.Name, $"{TestFrames.TapIp}/24");
        return (network, tap);
    }

    /// <summary>Reads frames until one matches, returning its vnet header and Ethernet frame; fails after the deadline.</summary>
    protected static async Task<(VirtioNetHeader Header, byte[] Frame)> NextFrameAsync(TapDevice tap, Func<VirtioNetHeader, byte[], bool> match, int timeoutMs = 3000)
    {
        using var deadline = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[TapDevice.MaxFrameLength];
        try
        {
            while (true)
            {
                var length = await tap.ReadAsync(buffer, deadline.Token);
                var header = VirtioNetHeader.Read(buffer);
                var frame = buffer.AsSpan(VirtioNetHeader.Size, length - VirtioNetHeader.Size).ToArray();
                if (match(header, frame))
                {
                    return (header, frame);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new AssertFailedException($"no matching frame from {tap.Name} within {timeoutMs} ms");
        }
    }
}
