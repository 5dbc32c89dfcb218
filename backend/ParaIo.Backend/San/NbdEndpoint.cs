using System.Net;
using System.Net.Sockets;
using ParaIo.Protocol.Nbd;

namespace ParaIo.Backend.San;

/// <summary>
/// Where an NBD export lives: a Unix socket or a TCP host and port, and the export's name. Written
/// as the NBD URI standard has it: <c>nbd+unix:///EXPORT?socket=/PATH</c> or <c>nbd://HOST[:PORT]/EXPORT</c>.
/// </summary>
public sealed class NbdEndpoint
{
    /// <summary>The IANA port of NBD, used when a TCP URI names none.</summary>
    public const int DefaultPort = 10809;

    private NbdEndpoint(string exportName, string? unixSocketPath, string? host, int port)
    {
        if (exportName.Length > NbdWire.MaxStringLength)
        {
            throw new ArgumentException($"An NBD export name is at most {NbdWire.MaxStringLength} bytes.", nameof(exportName));
        }

        ExportName = exportName;
        UnixSocketPath = unixSocketPath;
        Host = host;
        Port = port;
    }

    /// <summary>The export's name; empty selects the server's default export.</summary>
    public string ExportName { get; }

    /// <summary>The Unix socket's path, or null for a TCP endpoint.</summary>
    public string? UnixSocketPath { get; }

    /// <summary>The TCP host, or null for a Unix endpoint.</summary>
    public string? Host { get; }

    /// <summary>The TCP port (0 for a Unix endpoint).</summary>
    public int Port { get; }

    /// <summary>An export on a Unix socket.</summary>
    public static NbdEndpoint Unix(string socketPath, string exportName = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(exportName);
        return new NbdEndpoint(exportName, socketPath, null, 0);
    }

    /// <summary>An export on a TCP port.</summary>
    public static NbdEndpoint Tcp(string host, int port = DefaultPort, string exportName = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentNullException.ThrowIfNull(exportName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return new NbdEndpoint(exportName, null, host, port);
    }

    /// <summary>
    /// Parses an NBD URI: <c>nbd+unix:///EXPORT?socket=/PATH</c> or <c>nbd://HOST[:PORT]/EXPORT</c>
    /// (the export name is the path without its first slash, percent-decoded). TLS (<c>nbds</c>) is refused.
    /// </summary>
    public static NbdEndpoint Parse(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new FormatException($"'{uri}' is not an NBD URI (nbd+unix:///EXPORT?socket=PATH or nbd://HOST:PORT/EXPORT).");
        }

        var path = uri.AbsolutePath;
        var export = Uri.UnescapeDataString(path.StartsWith('/') ? path[1..] : path);
        switch (uri.Scheme)
        {
            case "nbd+unix":
                var socket = QueryValue(uri, "socket");
                if (string.IsNullOrEmpty(socket))
                {
                    throw new FormatException($"'{uri}' names no socket: nbd+unix:///EXPORT?socket=/PATH.");
                }

                if (!string.IsNullOrEmpty(uri.Host))
                {
                    throw new FormatException($"'{uri}' names a host; a Unix socket URI has none (nbd+unix:///EXPORT?socket=/PATH).");
                }

                return Unix(socket, export);
            case "nbd":
                if (string.IsNullOrEmpty(uri.Host))
                {
                    throw new FormatException($"'{uri}' names no host: nbd://HOST:PORT/EXPORT.");
                }

                return Tcp(uri.IdnHost, uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port, export);
            case "nbds" or "nbds+unix":
                throw new NotSupportedException($"'{uri}' asks for TLS, which ParaIo's NBD client does not speak.");
            default:
                throw new FormatException($"'{uri}' is not an NBD URI: the scheme is '{uri.Scheme}', not nbd or nbd+unix.");
        }
    }

    /// <summary>The endpoint as an NBD URI.</summary>
    public override string ToString() => UnixSocketPath is not null
        ? $"nbd+unix:///{Uri.EscapeDataString(ExportName)}?socket={UnixSocketPath}"
        : $"nbd://{(Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}/{Uri.EscapeDataString(ExportName)}";

    /// <summary>A connected socket to the server.</summary>
    internal async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        if (UnixSocketPath is not null)
        {
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(UnixSocketPath), cancellationToken).ConfigureAwait(false);
                return unix;
            }
            catch
            {
                unix.Dispose();
                throw;
            }
        }

        var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            tcp.NoDelay = true; // requests are small and pipelined; Nagle would hold them back
            await tcp.ConnectAsync(new DnsEndPoint(Host!, Port), cancellationToken).ConfigureAwait(false);
            return tcp;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    private static string? QueryValue(Uri uri, string key)
    {
        var query = uri.Query.AsSpan().TrimStart('?');
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            if (Uri.UnescapeDataString(name.ToString()) == key)
            {
                return equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].ToString());
            }
        }

        return null;
    }
}
