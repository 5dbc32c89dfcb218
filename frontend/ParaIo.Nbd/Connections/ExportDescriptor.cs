using System.Text;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Nbd.Connections;

/// <summary>
/// The export as one connection was told about it: name, size, block sizes and transmission
/// flags, read from the device once when the connection starts so the handshake and the request
/// checks agree.
/// </summary>
internal sealed class ExportDescriptor
{
    public ExportDescriptor(IBlockDevice device, NbdServerOptions options)
    {
        Device = device;
        Name = Encoding.UTF8.GetBytes(options.ExportName);
        Description = options.Description is null ? null : Encoding.UTF8.GetBytes(options.Description);
        Size = device.Size;
        BlockSize = device.BlockSize;
        PreferredBlockSize = Math.Max(4096, device.BlockSize);
        MaxPayloadLength = options.MaxPayloadLength;
        Flags = FlagsOf(device);
    }

    public IBlockDevice Device { get; }

    public byte[] Name { get; }

    public byte[]? Description { get; }

    public long Size { get; }

    public int BlockSize { get; }

    public int PreferredBlockSize { get; }

    public int MaxPayloadLength { get; }

    public NbdTransmissionFlags Flags { get; }

    public bool IsReadOnly => (Flags & NbdTransmissionFlags.ReadOnly) != 0;

    /// <summary>The empty name selects the default export, which is this one.</summary>
    public bool IsNamed(ReadOnlySpan<byte> name) => name.IsEmpty || name.SequenceEqual(Name);

    private static NbdTransmissionFlags FlagsOf(IBlockDevice device)
    {
        // Every connection reaches the same device and the server keeps no cache of its own, and
        // IBlockDevice.FlushAsync covers writes from every caller: a flush or FUA on one
        // connection is visible on all, which is what CAN_MULTI_CONN promises.
        var flags = NbdTransmissionFlags.HasFlags | NbdTransmissionFlags.CanMultiConn;
        if (device.SupportsFlush)
        {
            flags |= NbdTransmissionFlags.SendFlush;
        }

        if (device.IsReadOnly)
        {
            return flags | NbdTransmissionFlags.ReadOnly;
        }

        flags |= NbdTransmissionFlags.SendFua | NbdTransmissionFlags.SendWriteZeroes;
        if (device.SupportsTrim)
        {
            flags |= NbdTransmissionFlags.SendTrim;
        }

        return flags;
    }
}
