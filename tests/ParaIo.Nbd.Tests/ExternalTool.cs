using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.Nbd.Tests;

/// <summary>The result of running an external program.</summary>
internal sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the NBD tools the export must work with (nbdinfo, qemu-img, nbdcopy, fio, nbdkit).</summary>
internal static class ExternalTool
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Ends the test as inconclusive, with the reason, when <paramref name="name"/> is not on PATH.</summary>
    public static void Require(string name, string package)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(directory => File.Exists(Path.Combine(directory, name))))
        {
            Assert.Inconclusive($"{name} is not installed (apt-get install {package}); this test runs the real tool against the export.");
        }
    }

    public static async Task<ToolResult> RunAsync(string name, params string[] arguments)
    {
        var start = new ProcessStartInfo(name)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s.");
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }
}
