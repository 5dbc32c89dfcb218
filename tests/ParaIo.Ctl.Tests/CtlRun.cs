namespace ParaIo.Ctl.Tests;

/// <summary>What one paraioctl run left: its exit code and both streams.</summary>
internal sealed record CtlRun(int ExitCode, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}
