namespace ParaIo.Ctl;

/// <summary>
/// An expected failure: its message goes to stderr after <c>paraioctl: </c>, with no stack trace,
/// and the process exits with <see cref="ExitCode"/>.
/// </summary>
internal sealed class CtlFailure : Exception
{
    public CtlFailure(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}
