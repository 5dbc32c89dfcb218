using System.Net.Sockets;
using System.Text.Json;
using ParaIo.Store;
using ParaIo.Store.Client;
using ParaIo.Store.Server;

namespace ParaIo.Ctl.Daemon;

/// <summary>
/// paraioctl's session with paraiod: a store connection as domain 0, over which it reads and
/// writes the store and sends control commands. Every expected failure of connecting becomes a
/// <see cref="CtlFailure"/> whose message tells the operator what to do.
/// </summary>
internal sealed class DaemonConnection : IAsyncDisposable
{
    private DaemonConnection(StoreClient store, string socketPath)
    {
        Store = store;
        SocketPath = socketPath;
    }

    /// <summary>The store, as domain 0.</summary>
    public StoreClient Store { get; }

    public string SocketPath { get; }

    public static async Task<DaemonConnection> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        try
        {
            var client = await StoreClient.ConnectAsync(socketPath, StoreAuthenticators.Dom0Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new DaemonConnection(client, socketPath);
        }
        catch (SocketException exception) when (exception.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused)
        {
            // ENOENT (no socket file, or no directory) and ECONNREFUSED (a socket file nobody listens on).
            var what = File.Exists(socketPath) ? $"nobody listens on {socketPath}" : $"no socket at {socketPath}";
            throw new CtlFailure(ExitCodes.DaemonNotRunning, $"paraiod is not running ({what}). Start it with 'paraiod' or set --socket/{StorePaths.SocketVariable}.");
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AccessDenied)
        {
            throw PermissionDenied(socketPath);
        }
        catch (SocketException exception)
        {
            throw new CtlFailure(ExitCodes.Refused, $"cannot connect to paraiod at {socketPath}: {exception.Message}");
        }
        catch (StoreException exception) when (exception.Error == StoreError.PermissionDenied)
        {
            throw PermissionDenied(socketPath);
        }
        catch (StoreException exception)
        {
            throw new CtlFailure(ExitCodes.Refused, $"paraiod refused the connection ({exception.ErrnoName}, socket {socketPath})");
        }
        catch (StoreConnectionLostException)
        {
            throw new CtlFailure(ExitCodes.Refused, $"paraiod closed the connection before greeting it (socket {socketPath})");
        }
        catch (TimeoutException)
        {
            throw new CtlFailure(ExitCodes.Refused, $"paraiod did not answer on {socketPath} in time");
        }
        catch (ArgumentException exception)
        {
            // UnixDomainSocketEndPoint refuses a path longer than sun_path holds.
            throw new CtlFailure(ExitCodes.Usage, $"cannot use '{socketPath}' as a socket path: {exception.Message}");
        }
    }

    /// <summary>The refusal a HELLO or the socket's mode earns: only root or the daemon's user is domain 0.</summary>
    public static CtlFailure PermissionDenied(string socketPath) =>
        new(ExitCodes.Refused, $"permission denied: only root or the daemon's user may manage ParaIo (socket {socketPath})");

    /// <summary>
    /// Sends a control command and returns the <c>result</c> of paraiod's <c>{"ok":true,...}</c> answer;
    /// an <c>{"ok":false,...}</c> answer becomes a <see cref="CtlFailure"/> with the daemon's message.
    /// </summary>
    public async Task<JsonElement> ControlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await Store.ControlAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException exception)
        {
            throw exception.Error switch
            {
                StoreError.PermissionDenied => PermissionDenied(SocketPath),
                StoreError.InvalidArgument => new CtlFailure(ExitCodes.Refused, $"paraiod does not take control commands on {SocketPath} (EINVAL)"),
                StoreError.IoError => new CtlFailure(ExitCodes.Refused, $"paraiod failed to carry out '{arguments[0]}'; its log says why (EIO)"),
                _ => new CtlFailure(ExitCodes.Refused, $"paraiod refused '{arguments[0]}' ({exception.ErrnoName})"),
            };
        }

        return ControlReply.Parse(arguments[0], text);
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
