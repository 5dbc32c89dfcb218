using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using ParaIo.Tap.Namespaces;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// <c>ethtool -K NAME tx off</c> without ethtool: the legacy <c>ETHTOOL_STXCSUM</c> request on a socket
/// made inside the interface's namespace. Over veth the kernel never finishes a partial checksum,
/// so a Linux VTEP on the same host would tunnel frames whose inner TCP checksum is only the
/// pseudo-header sum; with transmit checksumming off, its stack finishes them before encapsulating,
/// as a NIC would on the wire.
/// </summary>
internal static unsafe partial class TransmitChecksum
{
    private const nuint SiocEthtool = 0x8946;
    private const uint EthtoolSetTransmitChecksum = 0x17; // ETHTOOL_STXCSUM, struct ethtool_value

    /// <summary>Turns transmit checksum offload off on <paramref name="interfaceName"/> in <paramref name="network"/>.</summary>
    public static void TurnOff(NetworkNamespace network, string interfaceName)
    {
        using var socket = network.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        var value = new EthtoolValue { Command = EthtoolSetTransmitChecksum, Data = 0 };
        var request = default(InterfaceRequest);
        var name = Encoding.ASCII.GetBytes(interfaceName);
        name.CopyTo(new Span<byte>(request.Name, 15));
        request.Data = (nint)(&value);
        if (Ioctl((int)socket.Handle, SiocEthtool, &request) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"ETHTOOL_STXCSUM on {interfaceName} in {network.Name}");
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, InterfaceRequest* argument);

    [StructLayout(LayoutKind.Sequential)]
    private struct EthtoolValue
    {
        public uint Command;
        public uint Data;
    }

    /// <summary>struct ifreq (40 bytes on LP64): the name, then the union whose ifr_data pointer SIOCETHTOOL reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    private struct InterfaceRequest
    {
        [FieldOffset(0)]
        public fixed byte Name[16];

        [FieldOffset(16)]
        public nint Data;
    }
}
