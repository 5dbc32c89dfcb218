namespace ParaIo.Tap.Namespaces;

/// <summary>What a command run by <see cref="NetworkNamespace"/> left behind.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="StandardOutput">Everything it wrote to stdout.</param>
/// <param name="StandardError">Everything it wrote to stderr.</param>
public readonly record struct CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>True when the command exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
