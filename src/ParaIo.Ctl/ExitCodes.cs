namespace ParaIo.Ctl;

/// <summary>What <c>paraioctl</c> exits with.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>paraiod or the store refused (the reason is on stderr), or the command failed on the way.</summary>
    public const int Refused = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>Nobody listens on the store socket: paraiod is not running there.</summary>
    public const int DaemonNotRunning = 3;

    /// <summary>Interrupted (Ctrl+C) before the command finished, as a shell reports SIGINT.</summary>
    public const int Interrupted = 130;
}
