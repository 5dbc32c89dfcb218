using ParaIo.Store.Server;

namespace ParaIo.Ctl.Tests;

/// <summary>A control handler that answers each command with a reply written as paraiod writes it, and keeps what it was sent.</summary>
internal sealed class CannedDaemon
{
    private readonly Dictionary<string, string> _replies = new(StringComparer.Ordinal);
    private readonly List<string[]> _received = [];

    /// <summary>Answers <paramref name="command"/> with <c>{"ok":true,"result":RESULT}</c>.</summary>
    public CannedDaemon Answer(string command, string result)
    {
        _replies[command] = $$"""{"ok":true,"result":{{result}}}""";
        return this;
    }

    /// <summary>Refuses <paramref name="command"/> as paraiod does.</summary>
    public CannedDaemon Refuse(string command, string error, string message)
    {
        _replies[command] = System.Text.Json.JsonSerializer.Serialize(new { ok = false, error, message });
        return this;
    }

    public IReadOnlyList<string[]> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public StoreControlHandler Handler => (_, arguments, _) =>
    {
        lock (_received)
        {
            _received.Add([.. arguments]);
        }

        return ValueTask.FromResult(_replies.TryGetValue(arguments[0], out var reply) ? reply : """{"ok":false,"error":"EINVAL","message":"not canned"}""");
    };
}
