using System.Net;
using System.Text;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Nbd;

/// <summary>Where an <see cref="NbdServer"/> listens, what it calls its export, and its per-connection limits.</summary>
public sealed class NbdServerOptions
{
    /// <summary>The largest READ or WRITE payload, 32 MiB: the size every NBD client assumes it may use.</summary>
    public const int DefaultMaxPayloadLength = 32 * 1024 * 1024;

    /// <summary>The Unix socket to listen on; created by <see cref="NbdServer.Start"/>, removed when it stops.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>
    /// A TCP endpoint to listen on as well (port 0 picks a free one). Only loopback addresses are
    /// accepted: NBD without TLS has no authentication, so the export must stay inside the guest.
    /// </summary>
    public IPEndPoint? TcpEndPoint { get; init; }

    /// <summary>The export's name. Clients asking for the empty name (the default export) get it too.</summary>
    public string ExportName { get; init; } = "";

    /// <summary>A human-readable description sent with NBD_OPT_LIST and NBD_INFO_DESCRIPTION.</summary>
    public string? Description { get; init; }

    /// <summary>How many requests of one connection may be in flight at once; further ones wait to be read.</summary>
    public int MaxInFlightPerConnection { get; init; } = 64;

    /// <summary>The largest READ, WRITE or WRITE_ZEROES length; longer requests get EINVAL.</summary>
    public int MaxPayloadLength { get; init; } = DefaultMaxPayloadLength;

    /// <summary>
    /// How many payload bytes one connection may hold in buffers at once (requests being read,
    /// executed or answered); the connection stops reading requests until replies drain below it.
    /// </summary>
    public long MaxBufferedBytesPerConnection { get; init; } = 64L * 1024 * 1024;

    /// <summary>How many clients may be connected at once; more are closed as they arrive.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>How long a client may take from connecting to entering transmission.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Permissions of the Unix socket file; only its owner may connect by default.</summary>
    public UnixFileMode UnixSocketMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    internal void Validate(IBlockDevice device)
    {
        if (UnixSocketPath is null && TcpEndPoint is null)
        {
            throw new ArgumentException("Give a Unix socket path, a TCP endpoint, or both.");
        }

        if (TcpEndPoint is not null && !IPAddress.IsLoopback(TcpEndPoint.Address))
        {
            throw new ArgumentException($"The TCP endpoint {TcpEndPoint} is not a loopback address; the export has no authentication.");
        }

        if (Encoding.UTF8.GetByteCount(ExportName) > NbdWire.MaxStringLength)
        {
            throw new ArgumentException("The export name is longer than the protocol's 4096 bytes.");
        }

        if (Description is not null && Encoding.UTF8.GetByteCount(Description) > NbdWire.MaxStringLength)
        {
            throw new ArgumentException("The description is longer than the protocol's 4096 bytes.");
        }

        if (MaxInFlightPerConnection is < 1 or > 1024)
        {
            throw new ArgumentException("MaxInFlightPerConnection must be between 1 and 1024.");
        }

        // The maximum block size the handshake advertises must be a multiple of the minimum (the
        // device's block size) and at least the preferred size (4 KiB or the block size).
        if (MaxPayloadLength < Math.Max(4096, device.BlockSize) || MaxPayloadLength % device.BlockSize != 0)
        {
            throw new ArgumentException($"MaxPayloadLength must be a multiple of the block size {device.BlockSize} and at least 4096.");
        }

        if (MaxBufferedBytesPerConnection < MaxPayloadLength)
        {
            throw new ArgumentException("MaxBufferedBytesPerConnection must hold at least one request of MaxPayloadLength.");
        }

        if (MaxConnections < 1)
        {
            throw new ArgumentException("MaxConnections must be at least 1.");
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("HandshakeTimeout must be positive.");
        }
    }
}
