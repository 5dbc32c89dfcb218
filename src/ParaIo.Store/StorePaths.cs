namespace ParaIo.Store;

/// <summary>Where the store socket lives when nobody says otherwise, the same for daemon and clients.</summary>
public static class StorePaths
{
    /// <summary>The environment variable that overrides the socket path for every ParaIo program.</summary>
    public const string SocketVariable = "PARAIO_SOCKET";

    /// <summary>
    /// <c>$PARAIO_SOCKET</c> if set; otherwise <c>/run/paraio/paraiod.sock</c> for root,
    /// <c>$XDG_RUNTIME_DIR/paraio/paraiod.sock</c> for a user with a runtime directory, and
    /// <c>/tmp/paraio-$UID/paraiod.sock</c> as the last resort, so the daemon runs without root.
    /// </summary>
    public static string DefaultSocketPath()
    {
        var configured = Environment.GetEnvironmentVariable(SocketVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        var uid = Linux.SocketCredentials.EffectiveUserId;
        if (uid == 0)
        {
            return "/run/paraio/paraiod.sock";
        }

        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(runtime)
            ? $"/tmp/paraio-{uid}/paraiod.sock"
            : Path.Combine(runtime, "paraio", "paraiod.sock");
    }
}
