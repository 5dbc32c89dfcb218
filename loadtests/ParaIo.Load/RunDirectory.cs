namespace ParaIo.Load;

/// <summary>The temporary directory a command works in (images, daemon state, sockets), let go of at the end.</summary>
internal static class RunDirectory
{
    /// <summary>Keeps <paramref name="directory"/> (and says where) when asked, else deletes it; a failed delete is reported, not thrown.</summary>
    public static void Release(string directory, bool keep)
    {
        if (keep)
        {
            ProgressLog.Write($"kept {directory}");
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ProgressLog.Write($"could not remove {directory}: {e.Message}");
        }
    }
}
