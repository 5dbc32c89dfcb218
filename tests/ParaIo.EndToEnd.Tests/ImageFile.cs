using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ParaIo.EndToEnd.Tests;

/// <summary>Reads a disk's image file as an outside observer (as dd would), past paraiod's advisory lock.</summary>
internal static class ImageFile
{
    /// <summary><paramref name="length"/> bytes at <paramref name="offset"/>; fails the test if the file is shorter.</summary>
    public static byte[] Read(string path, long offset, int length)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[length];
        Assert.AreEqual(length, RandomAccess.Read(file, buffer, offset));
        return buffer;
    }
}
