using System.Runtime.InteropServices;

namespace ParaIo.Backend.Storage;

/// <summary>The one system call the catalog needs that .NET does not expose: a file's allocated blocks.</summary>
internal static partial class Native
{
    /// <summary>Offset of st_blocks in struct stat on both x86_64 and aarch64 Linux.</summary>
    private const int BlocksOffset = 64;

    /// <summary>The file's st_blocks: 512-byte units actually allocated (a sparse image shows what was written).</summary>
    /// <exception cref="IOException">stat failed.</exception>
    public static unsafe long AllocatedBlocks(string path)
    {
        var buffer = stackalloc byte[256];
        if (Stat(path, buffer) != 0)
        {
            throw new IOException($"stat({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return *(long*)(buffer + BlocksOffset);
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Stat(string path, byte* buffer);
}
