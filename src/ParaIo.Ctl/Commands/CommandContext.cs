using System.CommandLine;
using System.Text.Json;
using ParaIo.Ctl.Daemon;
using ParaIo.Ctl.Rendering;

namespace ParaIo.Ctl.Commands;

/// <summary>One command's run: its parsed values, where it writes, and its connection to paraiod once it has one.</summary>
internal sealed class CommandContext : IAsyncDisposable
{
    private readonly ParseResult _parseResult;
    private DaemonConnection? _daemon;

    public CommandContext(ParseResult parseResult, CtlConsole console, string socketPath, bool json, CancellationToken cancellation)
    {
        _parseResult = parseResult;
        Console = console;
        SocketPath = socketPath;
        Json = json;
        Cancellation = cancellation;
    }

    public CtlConsole Console { get; }

    public string SocketPath { get; }

    /// <summary>True for <c>--json</c>: stdout carries JSON and nothing else.</summary>
    public bool Json { get; }

    /// <summary>Cancelled by Ctrl+C.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Prints <paramref name="result"/> as JSON with <c>--json</c>, else the human view.</summary>
    public void Show(JsonElement result, Action human)
    {
        ArgumentNullException.ThrowIfNull(human);
        if (Json)
        {
            Console.WriteJson(result);
        }
        else
        {
            human();
        }
    }

    public T? Get<T>(Option<T> option) => _parseResult.GetValue(option);

    public T? Get<T>(Argument<T> argument) => _parseResult.GetValue(argument);

    public async Task<DaemonConnection> ConnectAsync() =>
        _daemon ??= await DaemonConnection.ConnectAsync(SocketPath, Cancellation).ConfigureAwait(false);

    /// <summary>Runs a control command and returns its result (see <see cref="DaemonConnection.ControlAsync"/>).</summary>
    public async Task<JsonElement> ControlAsync(params string[] arguments)
    {
        var daemon = await ConnectAsync().ConfigureAwait(false);
        return await daemon.ControlAsync(arguments, Cancellation).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync().ConfigureAwait(false);
        }
    }
}
