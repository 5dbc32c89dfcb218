using System.Runtime.ExceptionServices;
using ParaIo.Tap.Linux;

namespace ParaIo.Tap.Namespaces;

/// <summary>
/// Runs a piece of code with the calling thread's network namespace switched to a named one.
/// setns(2) moves only the calling thread, so the work runs on a fresh thread made for it: no pool
/// thread ever sees the other namespace, and if switching back fails the thread simply ends.
/// Sockets and TAP file descriptors opened there stay bound to that namespace for life.
/// </summary>
internal static class NamespaceThread
{
    public static T Run<T>(string namespacePath, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(namespacePath);
        ArgumentNullException.ThrowIfNull(action);
        T? result = default;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunHere(namespacePath, action);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "paraio netns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }

    private static T RunHere<T>(string namespacePath, Func<T> action)
    {
        var home = LibC.Open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (home < 0)
        {
            LibC.ThrowErrno("open /proc/thread-self/ns/net");
        }

        try
        {
            var target = LibC.Open(namespacePath, LibC.O_RDONLY | LibC.O_CLOEXEC);
            if (target < 0)
            {
                LibC.ThrowErrno($"open {namespacePath}");
            }

            try
            {
                if (LibC.SetNs(target, LibC.CLONE_NEWNET) != 0)
                {
                    LibC.ThrowErrno($"setns {namespacePath}");
                }
            }
            finally
            {
                LibC.Close(target);
            }

            try
            {
                return action();
            }
            finally
            {
                // Not strictly needed (the thread ends next), but leaves the thread as it found it in
                // case the runtime reuses it for its own finalisation work; a failure is harmless.
                LibC.SetNs(home, LibC.CLONE_NEWNET);
            }
        }
        finally
        {
            LibC.Close(home);
        }
    }
}
