using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ParaIo.Backend.State;

/// <summary>
/// paraiod's state files (<c>domains.json</c>, <c>disks.json</c>): written to a temporary file
/// created 0600, flushed to disk, then renamed over the old one, so a crash leaves either the old
/// or the new file, and only the daemon's user can read it (it holds guests' tokens).
/// </summary>
internal static class StateFile
{
    public static void Write<T>(string path, T document, JsonTypeInfo<T> type)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.Delete(temporary); // a leftover would keep its old mode; the new file is created 0600
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, document, type);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
