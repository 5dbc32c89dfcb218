namespace ParaIo.RingBuffer.Tests;

/// <summary>What this process has open, read from /proc, for tests that prove nothing leaked.</summary>
internal static class OpenFiles
{
    /// <summary>The link target /proc shows for a memfd created with <paramref name="name"/>.</summary>
    public static string Memfd(string name) => $"/memfd:{name} (deleted)";

    /// <summary>Descriptors of this process open on <paramref name="target"/>.</summary>
    public static int DescriptorsTo(string target)
    {
        var count = 0;
        foreach (var link in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(link).LinkTarget == target)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The descriptor closed while we looked (another thread's, or the directory's own).
            }
        }

        return count;
    }

    /// <summary>Mappings of <paramref name="target"/> in this process.</summary>
    public static int MappingsOf(string target) =>
        File.ReadAllLines("/proc/self/maps").Count(line => line.EndsWith(target, StringComparison.Ordinal));
}
