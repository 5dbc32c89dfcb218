using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ParaIo.Nbd.Tests;

/// <summary>Keeps every log line so a test can check that a disconnect was logged with its reason.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

    public string Text => string.Join('\n', _entries.Select(entry => $"{entry.Level}: {entry.Message}"));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception)));

    /// <summary>Waits for a line at <paramref name="level"/> containing <paramref name="text"/>; the server logs after the socket closes.</summary>
    public async Task<bool> WaitForAsync(LogLevel level, string text)
    {
        var deadline = DateTime.UtcNow + RawNbdClient.Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_entries.Any(entry => entry.Level == level && entry.Message.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }

            await Task.Delay(10);
        }

        return false;
    }
}
