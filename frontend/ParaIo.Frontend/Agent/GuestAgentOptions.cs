namespace ParaIo.Frontend.Agent;

/// <summary>How a guest agent reaches its daemon and who it says it is.</summary>
public sealed class GuestAgentOptions
{
    /// <summary>The domain name the operator created.</summary>
    public required string Name { get; init; }

    /// <summary>The domain's token, from <c>paraioctl domain create</c>.</summary>
    public required string Token { get; init; }

    /// <summary>The daemon's store socket.</summary>
    public required string SocketPath { get; init; }

    /// <summary>Pages of the guest's grant pool (4 KiB each); the memfd holds only the pages touched.</summary>
    public int PoolPages { get; init; } = 16384;

    /// <summary>Entries of the guest's grant table (one per page granted at a time).</summary>
    public int GrantEntries { get; init; } = 16384;

    /// <summary>First pause before reconnecting; it doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest pause between reconnection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a guest that has run a session keeps trying while paraiod refuses it — its domain
    /// was destroyed, or paraiod lost its state — before <see cref="GuestAgent.RunAsync"/> gives up
    /// with <see cref="GuestRefusedException"/>. A refusal at the first connect gives up at once.
    /// </summary>
    public TimeSpan RefusedGiveUp { get; init; } = TimeSpan.FromSeconds(10);
}
